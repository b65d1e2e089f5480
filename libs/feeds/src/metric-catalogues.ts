import { MetricCatalogues } from '@turnaround/domain';
import { loadIndicatorCatalogue, SHIPPED_INDICATORS_DIR } from './indicator-catalogue';
import { loadSubjectCatalogue } from './subject-catalogue';

/**
 * The service's catalogues: the shipped indicators and subjects, and the state's own folders
 * (INDICATORS_DIR, SUBJECTS_DIR). Every process reads them once at start-up, before the first
 * event is read or command decided, and passes them to whatever judges by them: a target's
 * direction, an indicator's kind and the names a contract or a research request may use come
 * from them. A broken file stops start-up with its path and field.
 */
export async function loadMetricCatalogues(dirs: { indicatorsDir?: string; subjectsDir?: string } = {}): Promise<MetricCatalogues> {
  const [indicators, subjects] = await Promise.all([
    loadIndicatorCatalogue([SHIPPED_INDICATORS_DIR, ...(dirs.indicatorsDir ? [dirs.indicatorsDir] : [])]),
    loadSubjectCatalogue(dirs.subjectsDir ? [dirs.subjectsDir] : []),
  ]);
  return { indicators, subjects };
}
