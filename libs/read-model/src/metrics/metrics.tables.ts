import { RowChange, table } from '../rows/row-changes';

/** A metric's value as the tables keep it: numerator and denominator, and what the value stands for (domain's `MetricValue`). */
const METRIC_VALUE = {
  numerator: 'double precision null',
  denominator: 'double precision null',
  suppressed: 'boolean',
  partial: 'boolean',
  final: 'boolean',
  through: 'text',
} as const;

/**
 * The school metrics' tables, each as the metrics migrations (metrics.projection.ts) made it.
 * The migrations stay the tables' history; the adapter suite holds these lists to the columns a
 * migrated database has. (`feed_records`, the current record of each natural key, is written by
 * the records' own writer, which loads large pushes by COPY.)
 */
export const METRICS_TABLES = {
  /** School x school year x metric as it stands, known from `knownAt`. */
  school_metrics: table({ schoolId: 'text', schoolYear: 'text', metric: 'text', ...METRIC_VALUE, knownAt: 'timestamptz' }, [
    'schoolId',
    'schoolYear',
    'metric',
  ]),
  /** Every change of a school metric, by knowledge time; `removed` when the metric stopped being given (its value fields are then empty). */
  school_metric_history: table({ schoolId: 'text', schoolYear: 'text', metric: 'text', ...METRIC_VALUE, removed: 'boolean', knownAt: 'timestamptz' }, [
    'schoolId',
    'schoolYear',
    'metric',
    'knownAt',
  ]),
};

/** A change the metrics read model plans to one of its tables. */
export type MetricRowChange = RowChange<typeof METRICS_TABLES>;
