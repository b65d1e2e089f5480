import { openEventStore } from '@turnaround/event-store';
import { createFeedPipeline, FeedIngestor } from '@turnaround/feeds';
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
    const { ingestor } = await createFeedPipeline(store, sql, { profilesDir: config.feedProfilesDir, indicatorsDir: config.indicatorsDir, subjectsDir: config.subjectsDir });
    return await work({ ingestor });
  } finally {
    await store.close();
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
  const response = await fetch(new URL(path, server), { ...init, headers: { ...init.headers, authorization: `Bearer ${key}` } });
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
