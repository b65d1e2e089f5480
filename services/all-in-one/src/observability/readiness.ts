import { Inject, Injectable } from '@nestjs/common';
import { EventStore, Lag, FollowerStatus } from '@turnaround/event-store';
import { KafkaMessageBus, MessageBus } from '@turnaround/messaging';
import { EVENT_STORE, MESSAGE_BUS, LogFollowers, SQL_CLIENT, TURNAROUND_CONFIG, TurnaroundConfig } from '@turnaround/platform';
import { SqlClient } from '@turnaround/postgres';
import { z } from 'zod';

/** A store that has not answered by then is not ready, whatever it would say later. */
const CHECK_TIMEOUT_MS = 5_000;

export const runnerAnswer = z
  .object({
    name: z.string(),
    role: z.enum(['leader', 'standby']).describe('the leader follows the log; a standby mirrors its checkpoint and takes over when its lease lapses'),
    position: z.string().describe('the checkpoint it has applied up to (opaque)'),
    failures: z.number().int().describe('failed batches in a row'),
    lastError: z.string().optional(),
    parked: z
      .object({ eventId: z.string(), eventType: z.string(), streamId: z.string(), error: z.string(), attempts: z.number().int(), since: z.string() })
      .optional()
      .describe('set while it is parked before an event it cannot apply'),
    lag: z.object({ events: z.number().int().describe('counted up to 5000'), seconds: z.number() }),
  })
  .meta({ title: 'ProjectionRunner' });

/** A runner as the OpenAPI document shows one (`ApiAnswer`'s example). */
export const RUNNER_EXAMPLE: RunnerAnswer = { name: 'read-side', role: 'leader', position: '18342', failures: 0, lag: { events: 0, seconds: 0.4 } };

const readinessDetails = z.object({
  status: z.enum(['ready', 'not ready']),
  reasons: z.array(z.string()).describe('why it is not ready; empty when it is'),
  projections: z.array(runnerAnswer),
});
/** What `/health/ready` answers: the reasons and runners only to a state key or METRICS_TOKEN. */
export const readinessAnswer = readinessDetails.partial({ reasons: true, projections: true }).meta({ title: 'Readiness' });

export type RunnerAnswer = z.infer<typeof runnerAnswer>;

/**
 * `GET /health/ready` (docs/architecture.md#operations-and-security): ready when the database and the event store
 * answer, no projection runner is parked or further behind than READY_MAX_LAG_EVENTS events or
 * READY_MAX_LAG_SECONDS, and,
 * with KAFKA_BROKERS, the feed consumer is connected.
 */
@Injectable()
export class Readiness {
  constructor(
    @Inject(SQL_CLIENT) private readonly sql: SqlClient,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(TURNAROUND_CONFIG) private readonly config: TurnaroundConfig,
    private readonly runners: LogFollowers,
  ) {}

  async check(): Promise<z.infer<typeof readinessDetails>> {
    const reasons: string[] = [];
    const [database, eventStore] = await Promise.all([answers(() => this.sql.query('SELECT 1')), answers(() => this.store.ping())]);
    if (database) reasons.push(`database: ${database}`);
    if (eventStore) reasons.push(`event store: ${eventStore}`);
    // Lag is read from the event store: without it, there is no lag to tell.
    const projections = eventStore ? this.runners.list().map((runner) => answerOf(runner.status())) : await this.projections();
    for (const { name, parked, lag } of projections) {
      if (parked) reasons.push(`projection ${name}: parked before event ${parked.eventId} (${parked.eventType} on ${parked.streamId}): ${parked.error}`);
      // Both: seconds alone passed a service a tenth of the way through a bulk load (its events
      // were all appended within seconds), events alone a runner stuck on a slow trickle.
      if (lag.events > this.config.readyMaxLagEvents)
        reasons.push(`projection ${name}: ${lag.events} events behind the log, more than READY_MAX_LAG_EVENTS=${this.config.readyMaxLagEvents}`);
      else if (lag.seconds > this.config.readyMaxLagSeconds)
        reasons.push(
          `projection ${name}: ${Math.round(lag.seconds)} s behind the log (${lag.events} events), more than READY_MAX_LAG_SECONDS=${this.config.readyMaxLagSeconds}`,
        );
    }
    if (this.bus instanceof KafkaMessageBus && !this.bus.connected()) reasons.push('kafka: the feed consumer is not connected to the brokers');
    return { status: reasons.length === 0 ? 'ready' : 'not ready', reasons, projections };
  }

  /** Every runner of the process with its lag. */
  async projections(): Promise<RunnerAnswer[]> {
    return Promise.all(this.runners.list().map(async (runner) => answerOf(runner.status(), await runner.lag())));
  }
}

function answerOf({ parked, ...status }: FollowerStatus, lag: Lag = { events: 0, seconds: 0 }): RunnerAnswer {
  return { ...status, ...(parked ? { parked: { ...parked, since: parked.since.toISOString() } } : {}), lag };
}

/** Undefined when `probe` resolves in time, else why not. */
async function answers(probe: () => Promise<unknown>): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS / 1000} s`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([probe(), timeout]);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    clearTimeout(timer);
  }
}
