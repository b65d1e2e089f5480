import {
  alertAggregate,
  alertIdOf,
  AlertEvent,
  Checkpoint as AlertCheckpoint,
  decideAlerts,
  EvaluationRules,
  EventMetadata,
  eventType,
  EventType,
  feedOfEventType,
  fold,
  KnownAlerts,
  parseEvent,
  ScorecardLine,
} from '@turnaround/domain';
import { EventStore, projectionsReached, Reaction, StoredEvent, WrongExpectedRevisionError } from '@turnaround/event-store';
import { SqlClient } from '@turnaround/postgres';
import { Scorecard, ScorecardLines, ScorecardReader } from '@turnaround/read-model';

/** The read models a scorecard is computed from: the alerting waits until both have seen a batch. */
const READ_MODELS = ['registry', 'metrics'];
const CHECKPOINTS: AlertCheckpoint[] = ['early_warning', 'year_end'];

/**
 * The alerting service (DESIGN.md section 7). For every batch of the log that can change a
 * scorecard (feeds, contracts, memberships), it waits until the registry and metrics read
 * models have applied the batch, re-evaluates the contracts concerned, and appends
 * `OffTrackAlertRaised` / `OffTrackAlertResolved` to `alert-{alertId}` streams. Each scorecard
 * it evaluates is kept in `scorecard_lines` for the dashboards.
 *
 * Exactly once: an alert's id is derived from (contract, school or cluster, metric, contract
 * year, checkpoint), and it is raised only into a stream that does not exist yet. A batch
 * handed over again after a crash, a second instance, or a replay find the stream there and
 * append nothing.
 */
export function alertingReaction(store: EventStore, sql: SqlClient, scorecardLines: ScorecardLines, rules: () => EvaluationRules, clock: () => Date): Reaction {
  const scorecards = new ScorecardReader(sql);
  return {
    name: 'alerting',
    async react(events) {
      const affected = affectedBy(events);
      if (!affected) return;
      const last = events[events.length - 1];
      await projectionsReached(sql, READ_MODELS, last.position);
      const contractIds = await contractsConcerned(sql, affected);
      const metadata: EventMetadata = {
        recordedAt: clock().toISOString(),
        source: { channel: 'system', feed: 'alerting' },
        correlationId: last.eventId,
        actor: 'alerting-service',
      };
      for (const contractId of contractIds) {
        const scorecard = await scorecards.scorecard(contractId, rules());
        await scorecardLines.save(scorecard, clock());
        if (scorecard.status !== 'active') continue;
        for (const line of scorecard.lines) await alertLine(store, scorecard, line, { ...metadata, recordedAt: clock().toISOString() });
      }
    },
  };
}

interface Affected {
  schools: Set<string>;
  clusters: Set<string>;
  contracts: Set<string>;
  feeds: boolean;
}

function affectedBy(events: readonly StoredEvent[]): Affected | undefined {
  const affected: Affected = { schools: new Set(), clusters: new Set(), contracts: new Set(), feeds: false };
  for (const event of events) {
    const data = event.data as { schoolId?: string; clusterId?: string; contractId?: string; naturalKey?: string };
    if (feedOfEventType(event.type) || event.type === 'RecordRetracted') {
      affected.feeds = true;
      affected.schools.add(data.schoolId ?? (data.naturalKey as string).split('/')[0]);
    } else if (event.type.startsWith('School')) {
      affected.schools.add(data.schoolId as string);
      if (data.clusterId) affected.clusters.add(data.clusterId);
    } else if (event.type.startsWith('Contract') || event.type === 'PerformanceContractSigned') {
      affected.contracts.add(data.contractId as string);
    }
  }
  return affected.schools.size + affected.clusters.size + affected.contracts.size > 0 ? affected : undefined;
}

/** Contracts whose scorecard the batch may change; any feed may move a state average. */
async function contractsConcerned(sql: SqlClient, affected: Affected): Promise<string[]> {
  const rows = await sql.query<{ contract_id: string }>(
    `SELECT contract_id FROM registry_contracts
     WHERE contract_id = ANY($1::text[]) OR cluster_id = ANY($2::text[]) OR school_ids && $3::text[]
        OR ($4 AND targets @> '[{"goal": "stateAverage"}]'::jsonb)
     ORDER BY contract_id`,
    [[...affected.contracts], [...affected.clusters], [...affected.schools], affected.feeds],
  );
  return rows.map((row) => row.contract_id);
}

async function alertLine(store: EventStore, scorecard: Scorecard, line: ScorecardLine, metadata: EventMetadata): Promise<void> {
  const known = new Map<string, { resolved: boolean; revision: number }>();
  for (const checkpoint of CHECKPOINTS) {
    const alertId = alertIdOf(scorecard.contractId, line, checkpoint);
    const stored = await store.readStream(alertAggregate.streamId(alertId));
    if (stored.length === 0) continue;
    const alert = fold(alertAggregate, stored.map((event) => parseEvent(event.type, event.schemaVersion, event.data) as AlertEvent));
    known.set(alertId, { resolved: alert.exists && alert.status === 'resolved', revision: stored[stored.length - 1].revision });
  }
  const missedTheYearBefore = scorecard.lines.some(
    (other) => other.scope === line.scope && other.subjectId === line.subjectId && other.metric === line.metric && other.contractYear === line.contractYear - 1 && other.status === 'missed',
  );
  const decided = decideAlerts(
    line,
    { contractId: scorecard.contractId, partnerId: scorecard.partnerId, districtId: districtOf(scorecard, line), missedTheYearBefore },
    known as KnownAlerts,
  );
  for (const event of decided) {
    const alertId = event.data.alertId;
    try {
      await store.append(
        alertAggregate.streamId(alertId),
        [{ type: event.type, schemaVersion: (eventType(event.type) as EventType).schemaVersion, data: event.data, metadata }],
        { expectedRevision: event.type === 'OffTrackAlertRaised' ? 'no_stream' : (known.get(alertId)?.revision ?? 'no_stream') },
      );
    } catch (error) {
      // Another evaluation got there first: its decision stands, and the next change re-evaluates.
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
    }
  }
}

/** A school's alert goes to its district; a cluster's to the district of its schools (the first, by school id). */
function districtOf(scorecard: Scorecard, line: ScorecardLine): string {
  const schoolId = line.scope === 'school' ? line.subjectId : Object.keys(scorecard.districts).sort()[0];
  const districtId = schoolId === undefined ? undefined : scorecard.districts[schoolId];
  // A contract's schools are registered before they can join its cluster: a gap is a broken read model.
  if (!districtId) throw new Error(`contract ${scorecard.contractId}: no district for ${line.scope} ${line.subjectId} in the registry read model`);
  return districtId;
}
