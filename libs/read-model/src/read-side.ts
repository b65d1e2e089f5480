import { getHeapStatistics } from 'node:v8';
import { CONTRACT_EVENTS, DecodeOptions, EvaluationRules, FEED_RECORD_EVENTS, feedOfEventType, MetricCatalogues, REGISTRY_EVENTS } from '@turnaround/domain';
import { Checkpoint, EventStore, Projection, START, StoredEvent } from '@turnaround/event-store';
import { Migration, SqlClient } from '@turnaround/postgres';
import { alertsProjection } from './alerts/alerts.projection';
import { MemoryReadSideTables } from './memory-read-side-tables';
import { applyFeedEvents, METRICS_SCHEMA } from './metrics/metrics.projection';
import { ReadSideTables, Touched } from './read-side-tables';
import { registryChangesOf, registryProjection } from './registry/registry.projection';
import { REGISTRY_TABLES } from './registry/registry.tables';
import { applyContractTargets, judgeScorecards, loadPending, Pending, savePending, SCORECARD_MIGRATIONS } from './scorecards/scorecards.projection';
import { SCORECARDS_TABLES } from './scorecards/scorecards.tables';
import { SqlReadSideTables } from './sql-read-side-tables';

/** The read side's name: its checkpoint's. */
const READ_SIDE = 'read-side';

const READ_SIDE_TYPES: ReadonlySet<string> = new Set([...REGISTRY_EVENTS.types, ...FEED_RECORD_EVENTS.types, 'FeedBatchClosed']);

/**
 * Tables the registry, metrics and alerting kept before they became one read side: a store
 * upgraded from then rebuilds them from the log (the log is the truth; these were copies).
 * Only those of the schema being migrated: a read side built in a schema of its own (an as-of
 * build, a rebuild beside the live tables) must not drop the live ones that its search path
 * also sees.
 */
const LEGACY: Migration = {
  id: '0000-one-read-side',
  sql: `
    DO $$
    DECLARE legacy text;
    BEGIN
      FOREACH legacy IN ARRAY ARRAY['registry_zones', 'registry_clusters', 'registry_schools', 'registry_memberships', 'registry_partners',
        'registry_contracts', 'feed_records', 'school_metrics', 'school_metric_history', 'scorecard_lines'] LOOP
        EXECUTE format('DROP TABLE IF EXISTS %I.%I CASCADE', current_schema(), legacy);
      END LOOP;
    END $$;
    DELETE FROM projection_checkpoints WHERE projection IN ('registry', 'metrics', 'alerting');`,
};

const partOf = (part: string, migrations: readonly Migration[]) => migrations.map((migration) => ({ ...migration, id: `${part}/${migration.id}` }));

/**
 * What the read side judges by: the evaluation rules (configuration) and the catalogues the
 * process loaded at start-up (an indicator's kind computes its value, its direction judges its
 * targets). Passed in, so a live run, a rebuild and a test each say which they judge by.
 */
export interface ReadSideSettings {
  rules: EvaluationRules;
  catalogues: MetricCatalogues;
}

/**
 * The read side (docs/domain.md#statuses and docs/architecture.md#the-read-side): the registry, metrics and scorecards read models
 * applied by one runner, in one transaction per page of the log, with one checkpoint. A
 * scorecard line's status at knowledge time T must follow from the facts recorded up to T and
 * nothing else, so the scorecards are judged with the registry and metrics tables exactly at
 * the log position where the knowledge of T is complete:
 * - a registry command and a retraction are each complete in themselves;
 * - a feed push is complete at its `FeedBatchClosed`, or where the log moves on to anything
 *   else than its records (another push's chunk, a registry command; a push cut short by a
 *   crash has no marker).
 * Each judgement is known at the knowledge time of the event that completes it, which the
 * store stamps in log order, so the scorecards' history never shows a combination of facts
 * that the log did not hold at that time. A page that ends inside a push keeps what it touched
 * in `scorecard_pending`, so a page of one event and a page of 2,000 judge the same knowledge
 * at the same times.
 */
export function readSideProjection(settings: ReadSideSettings): Projection {
  return {
    name: READ_SIDE,
    eventTypes: READ_SIDE_TYPES,
    tables: [...registryProjection.tables, ...METRICS_SCHEMA.tables, ...Object.keys(SCORECARDS_TABLES)],
    migrations: [
      LEGACY,
      ...partOf('registry', registryProjection.migrations),
      ...partOf('metrics', METRICS_SCHEMA.migrations),
      ...partOf('scorecards', SCORECARD_MIGRATIONS),
    ],
    async apply(tx, events) {
      await savePending(tx, await foldEvents(new SqlReadSideTables(tx), events, await loadPending(tx), settings));
    },
    fold: (log, sql, onFolded) => foldInMemory(log, sql, settings, { onFolded }),
  };
}

/** The heap a held record takes, with its share of the other tables (measured on the state dataset). */
const BYTES_A_RECORD = 620;

/** The share of the heap limit held records may take: the rest is the log's pages in flight, and V8's room to collect. */
const HEAP_SHARE = 0.4;

/**
 * How many records a rebuild holds in memory before it writes what it folded and goes on through
 * the database, page by page, as the live runner does: as many as take 40% of the process's heap
 * limit. Node's default limit is a quarter of the machine's memory or so, and V8 lets the heap
 * grow well past what is live before it collects, so an operator bounds a replay's memory with
 * `--max-old-space-size` (384 MiB: about 250,000 records; a peak near 370 MiB in the bench), or raises it
 * to fold a longer log whole.
 */
export const memoryRecords = (): number => Math.floor((getHeapStatistics().heap_size_limit * HEAP_SHARE) / BYTES_A_RECORD);

/** A rebuild reads the log in pages of this many events. */
const FOLD_PAGE = 5_000;

/**
 * Folds the log from position zero in memory (`MemoryReadSideTables`), with the same planners
 * and the same fold as the live runner, then writes every table once by COPY, with the
 * knowledge still pending and the checkpoint reached, in one transaction into the empty tables
 * of `sql`. Stops once `records` records are held (`memoryRecords` by default); the runner goes
 * on from the checkpoint it returns. `onFolded` is told how many events each page folded.
 */
export async function foldInMemory(
  log: EventStore,
  sql: SqlClient,
  settings: ReadSideSettings,
  { records = memoryRecords(), onFolded }: { records?: number; onFolded?: (events: number) => void } = {},
): Promise<Checkpoint> {
  const tables = new MemoryReadSideTables();
  let pending: Pending | undefined;
  let position: Checkpoint = START;
  let page = log.readPage({ after: position, limit: FOLD_PAGE, eventTypes: READ_SIDE_TYPES });
  while (tables.records < records) {
    const { events, reached } = await page;
    if (reached === undefined) break;
    // The next page is read while this one is folded.
    page = log.readPage({ after: reached, limit: FOLD_PAGE, eventTypes: READ_SIDE_TYPES });
    page.catch(() => undefined);
    // What it folds was checked when it was appended: read back trusted (`DecodeOptions`).
    pending = await foldEvents(tables, events, pending, settings, { trusted: true });
    position = reached;
    onFolded?.(events.length);
  }
  await sql.transaction(async (tx) => {
    await tables.copyInto(tx);
    await savePending(tx, pending);
    await tx.query('UPDATE projection_checkpoints SET checkpoint = $2, updated_at = now() WHERE projection = $1', [READ_SIDE, position]);
  });
  return position;
}

/**
 * Applies a page of the log to the read side's tables, in log order, from the knowledge left
 * pending by the page before; returns what this page leaves pending. `decoding`: how its events
 * are read back (the live runner checks each again; a rebuild trusts the log).
 */
export async function foldEvents(
  tables: ReadSideTables,
  events: readonly StoredEvent[],
  from: Pending | undefined,
  settings: ReadSideSettings,
  decoding: DecodeOptions = {},
): Promise<Pending | undefined> {
  const { rules, catalogues } = settings;
  let pending = from;
  let unapplied: StoredEvent[] = [];
  const applyUnapplied = async () => {
    await applyParts(tables, unapplied, catalogues, decoding);
    unapplied = [];
  };
  const judge = async () => {
    await applyUnapplied();
    if (pending) await judgeScorecards(tables, pending.touched, pending.knownAt, pending.position, rules, catalogues);
    pending = undefined;
  };
  for (const event of events) {
    const knownAt = event.metadata.recordedAt;
    const push = event.metadata.source.batchId;
    const record = feedOfEventType(event.type) !== undefined;
    if (pending && (!record || push !== pending.push) && !(event.type === 'FeedBatchClosed' && push === pending.push)) await judge();
    if (event.type === 'FeedBatchClosed') {
      // The marker of a push whose knowledge is still open completes it; any other has nothing left to judge.
      if (pending) Object.assign(pending, { position: event.position, knownAt });
      await judge();
      continue;
    }
    unapplied.push(event);
    pending ??= { push, knownAt, touched: { schools: new Set(), clusters: new Set(), contracts: new Set(), feeds: false }, position: event.position };
    Object.assign(pending, { position: event.position, knownAt });
    touch(pending, event);
    if (!record) await judge();
  }
  await applyUnapplied();
  return pending;
}

/** Applies events in log order to the registry, the targets in force and the metrics. */
async function applyParts(tables: ReadSideTables, events: readonly StoredEvent[], catalogues: MetricCatalogues, decoding: DecodeOptions): Promise<void> {
  if (events.length === 0) return;
  const registry = events.filter((event) => REGISTRY_EVENTS.types.has(event.type));
  if (registry.length > 0) {
    await tables.write(REGISTRY_TABLES, registryChangesOf(registry, decoding));
    for (const stored of registry.filter((event) => CONTRACT_EVENTS.types.has(event.type)))
      await applyContractTargets(tables, CONTRACT_EVENTS.decode(stored, decoding), stored.metadata.recordedAt);
  }
  const feeds = events.filter((event) => !REGISTRY_EVENTS.types.has(event.type));
  if (feeds.length > 0) await applyFeedEvents(tables, feeds, catalogues.indicators, decoding);
}

/** What an event may change on a scorecard: its school, its cluster, its contract, or (any feed) a state average. */
function touch(pending: Pending, stored: StoredEvent): void {
  const touched: Touched = pending.touched;
  const data = stored.data as { schoolId?: string; clusterId?: string; contractId?: string; naturalKey?: string };
  if (feedOfEventType(stored.type)) {
    touched.feeds = true;
    touched.schools.add(data.schoolId as string);
  } else if (stored.type === 'RecordRetracted') {
    touched.feeds = true;
    touched.schools.add((data.naturalKey as string).split('/')[0]);
  } else if (CONTRACT_EVENTS.types.has(stored.type)) {
    touched.contracts.add(data.contractId as string);
  } else if (data.schoolId) {
    touched.schools.add(data.schoolId);
    if (data.clusterId) touched.clusters.add(data.clusterId);
  }
}

/** Every read model, in the order `turnaround replay` rebuilds them. */
export function readModels(settings: ReadSideSettings): readonly Projection[] {
  return [readSideProjection(settings), alertsProjection];
}
