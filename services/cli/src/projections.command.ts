import { callServer } from './embedded';

interface RunnerAnswer {
  name: string;
  role: 'leader' | 'standby';
  failures: number;
  lastError?: string;
  parked?: { eventId: string; eventType: string; streamId: string; error: string; attempts: number; since: string };
  lag: { events: number; seconds: number };
}

/**
 * `turnaround projections list|resume NAME`: the runners live in the running service, so these
 * go to it (--server) with a state key. Resume once the fix for the event it parked before is
 * deployed; a runner that still cannot apply it backs off and parks again.
 */
export async function projections(action: 'list' | 'resume', options: { name?: string; server?: string; key?: string }): Promise<number> {
  if (!options.server) throw new Error('projections talks to the running service whose runners they are: pass --server or set TURNAROUND_URL');
  if (action === 'list') {
    const runners = await callServer<RunnerAnswer[]>(options.server, options.key, '/api/v1/projections', { headers: {} });
    for (const runner of runners) process.stdout.write(`${describe(runner)}\n`);
    return runners.some((runner) => runner.parked) ? 1 : 0;
  }
  const name = encodeURIComponent(options.name ?? '');
  const runner = await callServer<RunnerAnswer>(options.server, options.key, `/api/v1/projections/${name}/resume`, { method: 'POST', headers: {} });
  process.stdout.write(`resumed ${describe(runner)}\n`);
  return 0;
}

function describe({ name, role, failures, lastError, parked, lag }: RunnerAnswer): string {
  const behind = `${lag.events} events / ${lag.seconds.toFixed(1)} s behind`;
  if (parked)
    return `${name.padEnd(16)} PARKED since ${parked.since} before event ${parked.eventId} (${parked.eventType} on ${parked.streamId}) after ${parked.attempts} attempts: ${parked.error}; ${behind}`;
  if (role === 'standby') return `${name.padEnd(16)} standing by (another instance leads), ${behind}`;
  return `${name.padEnd(16)} running, ${behind}${failures > 0 ? `, ${failures} failures in a row, last: ${lastError}` : ''}`;
}
