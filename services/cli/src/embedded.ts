import { openEventStore } from '@turnaround/event-store';
import { createFeedPipeline, FeedIngestor, loadMetricCatalogues } from '@turnaround/feeds';
import { loadConfig } from '@turnaround/platform';
import { openDatabase } from '@turnaround/postgres';

/**
 * Runs `work` against the embedded default (or DATABASE_URL) with the feed pipeline wired as
 * the service wires it, and nothing else: no consumer, publisher or projection runs in a CLI
 * command (the service catches up when it starts). Closes the database so the next process
 * can open it.
 */
export async function withEmbedded<T>(work: (services: { ingestor: FeedIngestor }) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const sql = await openDatabase(config);
  const store = await openEventStore(sql, config);
  try {
    const { indicators } = await loadMetricCatalogues(config);
    const { ingestor } = await createFeedPipeline(store, sql, indicators, { profilesDir: config.feedProfilesDir });
    return await work({ ingestor });
  } finally {
    await store.close();
  }
}

/**
 * `fetch` to a running service at `server`, whose failure to connect says which address did not
 * answer and how to start the service there, where fetch says only "fetch failed".
 */
export async function fetchServer(server: string, path: string, init: RequestInit & { duplex?: 'half' } = {}): Promise<Response> {
  const url = new URL(path, server);
  try {
    return await fetch(url, init);
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    if (!(error instanceof TypeError) || !cause) throw error;
    throw new Error(
      `nothing answered at ${url.origin} (${cause.code ?? cause.message}): start the service there (\`npm start\`, or \`npm run demo\` for the demo zone), or point --server at where it runs`,
    );
  }
}

/** Calls a running service with an API key; a non-JSON or error answer becomes an error naming the status. */
export async function callServer<T>(
  server: string,
  key: string | undefined,
  path: string,
  init: RequestInit & { duplex?: 'half'; headers: Record<string, string> },
  accept: (status: number) => boolean = (status) => status < 300,
): Promise<T> {
  if (!key) throw new Error('--server needs an API key: pass --key or set TURNAROUND_KEY');
  const response = await fetchServer(server, path, { ...init, headers: { ...init.headers, authorization: `Bearer ${key}` } });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${server} answered ${response.status} without JSON: ${text.slice(0, 200)}`);
  }
  if (!accept(response.status)) {
    const { message, issues } = body as { message?: string; issues?: { field: string; message: string }[] };
    const details = issues?.map((issue) => `\n  ${issue.field}: ${issue.message}`).join('') ?? '';
    throw new Error(`${server} answered ${response.status}: ${message ?? text}${details}`);
  }
  return body as T;
}
