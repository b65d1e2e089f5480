import { join } from 'node:path';
import { IndicatorCatalogue, indicatorFileSchema } from '@turnaround/domain';
import { readCatalogueFiles } from './catalogue-files';

/** The indicators shipped with the service: the SIG leading indicators. */
export const SHIPPED_INDICATORS_DIR = join(__dirname, '..', 'indicators');

/**
 * Reads every catalogue file of the given folders (see indicators/README.md), as the vendor
 * profiles are read: a broken file, or an indicator named twice, stops start-up with its path
 * and field.
 */
export async function loadIndicatorCatalogue(dirs: readonly string[] = [SHIPPED_INDICATORS_DIR]): Promise<IndicatorCatalogue> {
  return new IndicatorCatalogue(await readCatalogueFiles(dirs, { schema: indicatorFileSchema, entriesOf: (file) => file.indicators, noun: 'an indicator' }));
}
