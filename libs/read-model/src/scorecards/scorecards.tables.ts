import { RowChange, table } from '../rows/row-changes';

/**
 * A scorecard line's fields: its contract, the line the domain judged (docs/domain.md#statuses),
 * the target in force behind it and since when, and when the judgement was made.
 */
const LINE = {
  contractId: 'text',
  partnerId: 'text',
  clusterId: 'text',
  contractStatus: 'text',
  scope: 'text',
  subjectId: 'text',
  metric: 'text',
  contractYear: 'integer',
  schoolYear: 'text',
  kind: 'text',
  status: 'text',
  threshold: 'double precision null',
  baseline: 'double precision null',
  actual: 'double precision null',
  evidence: 'text',
  reason: 'text null',
  schoolsCounted: 'integer null',
  schoolsMissed: 'integer null',
  target: 'jsonb null',
  targetSince: 'timestamptz null',
  knownAt: 'timestamptz',
} as const;

/**
 * The scorecards' tables, each as the scorecards migrations (scorecards.projection.ts) made it.
 * The migrations stay the tables' history; the adapter suite holds these lists to the columns a
 * migrated database has.
 */
export const SCORECARDS_TABLES = {
  /** The targets in force per contract, since when, and which change set each (null: set before that was kept). */
  scorecard_targets: table(
    { contractId: 'text', scope: 'text', metric: 'text', contractYear: 'integer', target: 'jsonb', since: 'timestamptz', setBy: 'text null' },
    ['contractId', 'scope', 'metric', 'contractYear'],
  ),
  /** Each line as it stands (school or cluster x metric x contract year). */
  scorecard_lines: table(LINE, ['contractId', 'scope', 'subjectId', 'metric', 'contractYear']),
  /** Every change of a line by knowledge time; `removed` once its target was withdrawn. */
  scorecard_line_history: table({ ...LINE, removed: 'boolean' }, ['contractId', 'scope', 'subjectId', 'metric', 'contractYear', 'knownAt']),
  /**
   * Every change of a line's status, at the log position of the knowledge that made it and in a
   * fixed order there (`ordinal`), with the districts it concerns: what alerting turns into alert events.
   */
  scorecard_changes: table(
    {
      position: 'text',
      ordinal: 'integer',
      knownAt: 'timestamptz',
      contractId: 'text',
      partnerId: 'text',
      districtIds: 'text[]',
      scope: 'text',
      subjectId: 'text',
      metric: 'text',
      contractYear: 'integer',
      schoolYear: 'text',
      threshold: 'double precision null',
      actual: 'double precision null',
      fromStatus: 'text null',
      status: 'text',
      withdrawal: 'text null',
      missedYearBefore: 'boolean',
    },
    ['position', 'ordinal'],
  ),
  /**
   * The knowledge a page of the log ended inside of, judged once complete (read-side.ts): the
   * push it belongs to (null for a registry command), its knowledge time and position so far,
   * and what it touched. At most one row.
   */
  scorecard_pending: table(
    {
      onlyRow: 'boolean',
      knownAt: 'text',
      position: 'text',
      schools: 'text[]',
      clusters: 'text[]',
      contracts: 'text[]',
      feeds: 'boolean',
      push: 'text null',
    },
    ['onlyRow'],
  ),
};

/** A change the scorecards read model plans to one of its tables. */
export type ScorecardRowChange = RowChange<typeof SCORECARDS_TABLES>;
