import { z } from 'zod';
import { slugSchema } from '../events/event';
import { NamedCatalogue } from './named-catalogue';

/**
 * The indicator catalogue (docs/metrics.md): what each `IndicatorReported` indicator means,
 * so that an indicator needs no code but is still judged the right way round. Entries are data
 * (libs/feeds/indicators, plus a state's own folder), read once at start-up and passed to whatever needs them (no process-wide catalogue: a
 * function that judges by the catalogue takes it, so a test or a replay says which one).
 */
export const METRIC_DIRECTIONS = ['higher_is_better', 'lower_is_better'] as const;
export type MetricDirection = (typeof METRIC_DIRECTIONS)[number];

/**
 * - `rate`: numerator / denominator, a share in [0, 1];
 * - `ratio`: numerator / denominator, may exceed 1 (incidents per enrolled student);
 * - `count`: the numerator alone, in its own unit (minutes), no denominator.
 */
export const INDICATOR_KINDS = ['rate', 'ratio', 'count'] as const;
export type IndicatorKind = (typeof INDICATOR_KINDS)[number];

export const indicatorEntrySchema = z
  .strictObject({
    name: slugSchema,
    kind: z.enum(INDICATOR_KINDS),
    direction: z.enum(METRIC_DIRECTIONS),
    description: z.string().min(1, 'expected what the indicator counts, as a data team would recognise it'),
    /** What a count is counted in (`minutes`); targets of a count are written in it. */
    unit: z.string().min(1).optional(),
  })
  .superRefine((entry, context) => {
    if (entry.kind === 'count' && entry.unit === undefined)
      context.addIssue({ code: 'custom', path: ['unit'], message: 'expected the unit a count is counted in (e.g. minutes): its targets are written in it' });
    if (entry.kind !== 'count' && entry.unit !== undefined)
      context.addIssue({ code: 'custom', path: ['unit'], message: `a ${entry.kind} has no unit: only a count takes one` });
  });
export type IndicatorEntry = z.infer<typeof indicatorEntrySchema>;

/** One catalogue file: a list of entries. */
export const indicatorFileSchema = z.strictObject({ indicators: z.array(indicatorEntrySchema).min(1, 'expected at least one indicator') });

export class IndicatorCatalogue extends NamedCatalogue<IndicatorEntry> {
  constructor(entries: readonly IndicatorEntry[]) {
    super(entries, 'indicators', 'an indicator');
  }
}
