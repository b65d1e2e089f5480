import { DEMO_REGISTERED_AT, DemoRegistry, demoFeeds, demoRegistry } from './demo-zone';

export interface DemoLoadOptions {
  /** Told each line of progress. */
  log?: (line: string) => void;
  /**
   * The clock of the service being loaded, when the loader runs it (`turnaround demo` on an
   * empty store): set to each push's simulated date before it is sent, so the history is known
   * on the dates it simulates and reads as of a date work on the demo. Without it, everything
   * is known when it is sent.
   */
  clock?: { set(at: string): void };
  /** Run once the registry is loaded, before the first feed: e.g. the districts' email addresses, so they hear of every alert. */
  afterRegistry?: () => Promise<void>;
}

/**
 * Loads the demo zone through a running service's HTTP API, as the state office and the data
 * teams would, one push at a time in the order of its simulated dates. Each push is its own
 * knowledge time, so early warnings are raised, and some cleared, as they would have been live,
 * however far behind the read side runs. Loading again changes nothing (409s for the registry,
 * duplicates for the feeds).
 */
export async function loadDemoZone(base: string, stateKey: string, options: DemoLoadOptions = {}): Promise<void> {
  const { log = () => undefined, clock, afterRegistry } = options;
  const post = poster(base, stateKey);
  const steps = [
    {
      knownAt: DEMO_REGISTERED_AT,
      load: async () => {
        await loadRegistry(base, stateKey, demoRegistry());
        await afterRegistry?.();
      },
    },
    ...demoFeeds().map((push) => ({
      knownAt: push.knownAt,
      load: async () => {
        const answer = await post(`/api/v1/feeds/${push.kind}`, push.records);
        if (answer.rejectedRows !== 0) throw new Error(`demo feed '${push.label}' had rejected rows: ${JSON.stringify(answer.rejected)}`);
        log(`${push.knownAt.slice(0, 10)} ${push.label}: ${answer.accepted} accepted, ${answer.duplicates} already there`);
      },
    })),
  ].sort((a, b) => a.knownAt.localeCompare(b.knownAt));
  for (const step of steps) {
    clock?.set(step.knownAt);
    await step.load();
  }
}

/** Registers zones, clusters, schools, memberships, partners and contracts through the HTTP API of a running service; one already there is a 409 and is left as it is. */
export async function loadRegistry(base: string, stateKey: string, registry: DemoRegistry): Promise<void> {
  const post = poster(base, stateKey);
  for (const zone of registry.zones) await post('/api/v1/zones', zone);
  for (const cluster of registry.clusters) await post('/api/v1/clusters', cluster);
  for (const school of registry.schools) await post('/api/v1/schools', school);
  for (const { schoolId, body } of registry.assignments) await post(`/api/v1/schools/${schoolId}/cluster-assignments`, body);
  for (const partner of registry.partners) await post('/api/v1/partners', partner);
  for (const contract of registry.contracts) await post('/api/v1/contracts', contract);
}

function poster(base: string, stateKey: string) {
  return async (path: string, body: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-actor': 'demo', authorization: `Bearer ${stateKey}` },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as Record<string, unknown>;
    if (!response.ok && response.status !== 409) throw new Error(`POST ${path} answered ${response.status}: ${JSON.stringify(answer)}`);
    return answer;
  };
}
