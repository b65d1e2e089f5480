import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SingleBar } from 'cli-progress';
import { Checkpoint, openEventStore } from '@turnaround/event-store';
import { MetricCatalogues } from '@turnaround/domain';
import { loadMetricCatalogues } from '@turnaround/feeds';
import { loadConfig } from '@turnaround/platform';
import { openDatabase, SqlClient } from '@turnaround/postgres';
import { ResearchQueries } from '@turnaround/read-model';
import { codebookFileFor, exportPanelFile, PanelFormat } from '@turnaround/research';
import { fetchServer } from './embedded';
import {
  openPanel,
  PanelRequest,
  panelDataLabel,
  panelParameters,
  ParameterName,
  recordedPanelParameters,
  ResearchAudit,
  ResearchRequester,
} from '@turnaround/research-service';

export interface ExportArguments extends PanelRequest {
  out: string;
  server?: string;
  key?: string;
  actor: string;
}

/** How the CLI names a request's parameters in its errors: `asOf` is `--as-of`. */
export const optionName: ParameterName = (parameter) => `--${parameter.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;

/**
 * `turnaround export panel`: the researchers' panel into a file, and its codebook beside it
 * (`panel.dta` and `panel.codebook.csv`). On the embedded database it reads the read model as
 * the service left it, recorded in the research audit as the CLI and its actor; with --server it
 * downloads from the running service, which records the key.
 */
export async function exportPanel(args: ExportArguments): Promise<number> {
  const summary = args.server ? await download(args, args.server) : await exportEmbedded(args);
  process.stdout.write(`${summary}\n`);
  return 0;
}

async function exportEmbedded(args: ExportArguments): Promise<string> {
  const catalogues = await loadServiceCatalogues();
  const parameters = panelParameters(args, new Date(), catalogues, optionName);
  return withResearchReads(async ({ queries, audit }) => {
    const opened = await openPanel(queries, loadConfig().nMin, catalogues, parameters, optionName);
    const query = { asOf: parameters.asOf, metrics: opened.metrics, from: parameters.from ?? undefined, to: parameters.to ?? undefined };
    const total = await queries.schoolCount(query);
    const recordId = await audit.record(cliRequester(args.actor), 'panel', recordedPanelParameters(parameters, opened.metrics), parameters.asOf);
    const bar = progressBar(`export panel {bar} {percentage}% | {value}/{total} schools, {rows} rows`);
    bar.start(total, 0, { rows: 0 });
    let schools = 0;
    let rows = 0;
    let last: unknown;
    const counted = (async function* () {
      for await (const row of opened.rows()) {
        if (row['school_id'] !== last) {
          last = row['school_id'];
          schools += 1;
        }
        rows += 1;
        if (rows % 500 === 0) bar.update(schools, { rows });
        yield row;
      }
    })();
    try {
      const written = await exportPanelFile(parameters.format, opened.panel.columns, counted, args.out, { dataLabel: panelDataLabel(parameters.asOf) });
      bar.update(schools, { rows });
      await audit.finished(recordId, written.rows);
      return describe(
        parameters.format,
        `${written.rows} rows of ${schools} schools, ${opened.metrics.length} metrics`,
        parameters.asOf.toISOString(),
        written.file,
        written.codebookFile,
      );
    } finally {
      bar.stop();
    }
  });
}

/** Downloads the panel, then the codebook of the same panel (its metrics as of the knowledge time the service answered for). */
async function download(args: ExportArguments, server: string): Promise<string> {
  const query = new URLSearchParams();
  for (const [name, value] of [
    ['metrics', args.metrics],
    ['from', args.from],
    ['to', args.to],
    ['asOf', args.asOf],
    ['format', args.format],
  ] as const)
    if (value !== undefined) query.set(name, value);
  const bar = progressBar('export panel | {received} received');
  bar.start(0, 0, { received: '0 kB' });
  try {
    const panel = await fetchFile(server, args.key, `/api/v1/research/panel?${query}`, args.out, (bytes) => bar.update(0, { received: kilobytes(bytes) }));
    const asOf = panel.headers.get('x-turnaround-as-of') ?? '';
    const codebookQuery = new URLSearchParams({ asOf, ...(args.metrics === undefined ? {} : { metrics: args.metrics }) });
    const codebookFile = codebookFileFor(args.out);
    await fetchFile(server, args.key, `/api/v1/research/panel/codebook?${codebookQuery}`, codebookFile, () => undefined);
    return describe((args.format || 'csv') as PanelFormat, kilobytes(panel.bytes), asOf, args.out, codebookFile);
  } finally {
    bar.stop();
  }
}

function describe(format: PanelFormat, what: string, asOf: string, file: string, codebookFile: string): string {
  return `wrote the ${format} panel (${what}) as known at ${asOf} to ${file}; codebook ${codebookFile}`;
}

async function fetchFile(
  server: string,
  key: string | undefined,
  path: string,
  file: string,
  onBytes: (bytes: number) => void,
): Promise<{ headers: Headers; bytes: number }> {
  if (!key) throw new Error('--server needs an API key: pass --key or set TURNAROUND_KEY');
  const response = await fetchServer(server, path, { headers: { authorization: `Bearer ${key}` } });
  if (!response.ok || !response.body) {
    const text = await response.text();
    let details = text.slice(0, 200);
    try {
      const { message, issues } = JSON.parse(text) as { message?: string; issues?: { field: string; message: string }[] };
      details = issues?.map((issue) => `\n  ${issue.field}: ${issue.message}`).join('') || (message ?? details);
    } catch {
      // not JSON: the text itself says what went wrong
    }
    throw new Error(`${server} answered ${response.status}: ${details}`);
  }
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      onBytes(bytes);
      done(null, chunk);
    },
  });
  await pipeline(Readable.fromWeb(response.body as Parameters<typeof Readable.fromWeb>[0]), counter, createWriteStream(file));
  return { headers: response.headers, bytes };
}

function kilobytes(bytes: number): string {
  return `${Math.ceil(bytes / 1024)} kB`;
}

/** Drawn on a terminal only, on stderr, as ingest's is; stdout keeps the summary. */
function progressBar(format: string): SingleBar {
  return new SingleBar({ format, stream: process.stderr, hideCursor: true });
}

/**
 * The indicator and subject catalogues as the service loads them (INDICATORS_DIR, SUBJECTS_DIR),
 * so that the metric names asked on the embedded database are judged as the service judges
 * them. With --server the service judges them itself.
 */
export function loadServiceCatalogues(): Promise<MetricCatalogues> {
  return loadMetricCatalogues(loadConfig());
}

export function cliRequester(actor: string): ResearchRequester {
  return { channel: 'cli', keyId: null, role: null, actor: `cli (${actor})` };
}

/**
 * Runs research reads on the embedded default (or DATABASE_URL). No projection runs in a CLI
 * command, so the read model is as the service last left it: a read model that never ran is an
 * error, and one behind the log (feeds ingested while the service was down) is said on stderr.
 */
export async function withResearchReads<T>(work: (reads: { queries: ResearchQueries; audit: ResearchAudit }) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const sql = await openDatabase(config);
  const store = await openEventStore(sql, config);
  try {
    const checkpoint = await readSideCheckpoint(sql);
    if (checkpoint === undefined) throw new Error('the read model has not been built here: start the service once (npm start), or run turnaround replay');
    if ((await store.readAll({ after: checkpoint, limit: 1 })).length > 0)
      process.stderr.write('note: the read model is behind the event log (start the service to let it catch up); this answers with what it has applied\n');
    return await work({ queries: new ResearchQueries(sql), audit: await ResearchAudit.create(sql) });
  } finally {
    await store.close();
  }
}

async function readSideCheckpoint(sql: SqlClient): Promise<Checkpoint | undefined> {
  const [table] = await sql.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'projection_checkpoints' AND table_schema = current_schema()`);
  if (!table) return undefined;
  const [row] = await sql.query<{ checkpoint: string }>(`SELECT checkpoint FROM projection_checkpoints WHERE projection = 'read-side'`);
  return row?.checkpoint as Checkpoint | undefined;
}
