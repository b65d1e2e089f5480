import { RowChange, table } from '../rows/row-changes';

/**
 * The coverage tables, each as COVERAGE_MIGRATION (coverage.projection.ts) made it. The
 * migration stays the tables' history; the adapter suite holds these lists to the columns a
 * migrated database has. The metrics part of the read side keeps them, in the transaction that
 * stores the records.
 */
export const COVERAGE_TABLES = {
  /** School x feed: the last day a current record's period reaches (NULL once every record was retracted), known from `knownAt`. */
  feed_coverage: table({ schoolId: 'text', feed: 'text', lastPeriodEnd: 'date null', knownAt: 'timestamptz' }, ['schoolId', 'feed']),
  /** Every change of a school feed's last period, by knowledge time: what a read as of a past time looks at. */
  feed_coverage_history: table({ schoolId: 'text', feed: 'text', lastPeriodEnd: 'date null', knownAt: 'timestamptz' }, ['schoolId', 'feed', 'knownAt']),
};

/** A change the coverage read model plans to one of its tables. */
export type CoverageRowChange = RowChange<typeof COVERAGE_TABLES>;
