import { IndicatorCatalogue, IndicatorEntry } from '../metrics/indicator-catalogue';
import { MetricCatalogues } from '../metrics/metric-catalogue';
import { SHIPPED_SUBJECTS, SubjectCatalogue } from '../metrics/subject-catalogue';

/**
 * Catalogues for a test: the shipped subjects and the indicators it names (none unless given).
 * A test passes them where the service passes the catalogues it loaded at start-up, so it says
 * what it judges by.
 */
export function testCatalogues(indicators: readonly IndicatorEntry[] = []): MetricCatalogues {
  return { indicators: new IndicatorCatalogue(indicators), subjects: new SubjectCatalogue(SHIPPED_SUBJECTS) };
}
