import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { SingleBar } from 'cli-progress';
import { parseFeedKind } from '@turnaround/domain';
import { BatchSummary, DryRunSummary, FeedContext } from '@turnaround/feeds';
import { callServer, withEmbedded } from './embedded';

/** How many rejected rows the summary prints; the rest are listed by the rejections endpoint. */
const PRINTED_ISSUES = 20;
/** How many reinstated keys and warnings the summary prints; the batch lists the first 100. */
const PRINTED_LISTINGS = 20;

export interface IngestArguments {
  kind: string;
  file: string;
  profile?: string;
  /** Validate and count only: nothing is stored. */
  dryRun?: boolean;
  server?: string;
  key?: string;
  actor: string;
}

export async function ingest(args: IngestArguments): Promise<number> {
  const kind = parseFeedKind(args.kind);
  const json = args.file.toLowerCase().endsWith('.json');
  const { size } = await stat(args.file);
  const bar = new SingleBar({
    format: `${args.dryRun ? 'check' : 'ingest'} ${kind} {bar} {percentage}% | {rows} rows: {accepted} accepted, {duplicates} duplicates, {restated} restated, {reinstated} reinstated, {rejectedRows} rejected`,
    stream: process.stderr,
    hideCursor: true,
  });
  bar.start(size, 0, { rows: 0, accepted: 0, duplicates: 0, restated: 0, reinstated: 0, rejectedRows: 0 });
  // Counts bytes as the consumer reads them; nothing flows before the consumer is attached.
  let bytes = 0;
  const file = createReadStream(args.file).pipe(
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        bar.update(bytes);
        done(null, chunk);
      },
    }),
  );

  const context: FeedContext = { channel: 'cli', actor: args.actor, correlationId: randomUUID() };
  let summary: BatchSummary | DryRunSummary;
  try {
    if (args.server) {
      const params = new URLSearchParams({ ...(args.profile ? { profile: args.profile } : {}), ...(args.dryRun ? { dryRun: 'true' } : {}) }).toString();
      const query = params ? `?${params}` : '';
      summary = await callServer<BatchSummary | DryRunSummary>(
        args.server,
        args.key,
        `/api/v1/feeds/${kind}${query}`,
        {
          method: 'POST',
          headers: { 'content-type': json ? 'application/json' : 'text/csv', 'x-actor': args.actor, 'x-correlation-id': context.correlationId },
          body: Readable.toWeb(file) as ReadableStream,
          duplex: 'half',
        },
        (status) => status < 300 || status === 400,
      );
      if (!('batchId' in summary)) throw new Error(`${args.server} refused the file: ${JSON.stringify(summary)}`);
    } else {
      const options = { profile: args.profile, onProgress: (progress: object) => bar.update(bytes, progress) };
      summary = await withEmbedded(async ({ ingestor }): Promise<BatchSummary | DryRunSummary> => {
        if (!json) return args.dryRun ? ingestor.dryRunCsv(kind, file, context, options) : ingestor.ingestCsv(kind, file, context, options);
        const records = parseJson(await readFile(args.file, 'utf8'), args.file);
        return args.dryRun ? ingestor.dryRunJson(kind, records, context) : ingestor.ingestJson(kind, records, context);
      });
    }
  } finally {
    bar.stop();
  }
  process.stdout.write(describe(summary, args));
  return summary.status === 'completed' && summary.rejectedRows === 0 ? 0 : 1;
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

function describe(summary: BatchSummary | DryRunSummary, args: IngestArguments): string {
  const lines = [
    summary.dryRun
      ? `dry run: ${summary.feed}${summary.profile ? ` with profile ${summary.profile}` : ''}, ${summary.status}; nothing was stored, these are the counts the push would give now`
      : `batch ${summary.batchId}: ${summary.feed}${summary.profile ? ` with profile ${summary.profile}` : ''}, ${summary.status}`,
    `  accepted    ${summary.accepted}`,
    `  duplicates  ${summary.duplicates}  (already recorded with the same values: nothing appended)`,
    `  restated    ${summary.restated}  (recorded before with other values: the new values supersede)`,
    `  reinstated  ${summary.reinstated}  (retracted before: this push brings them back)`,
    `  skipped     ${summary.skipped}  (left out on purpose by the profile)`,
    `  rejected    ${summary.rejectedRows} rows`,
  ];
  for (const key of summary.reinstatedKeys.slice(0, PRINTED_LISTINGS)) lines.push(`  reinstated: ${key}`);
  if (summary.reinstated > Math.min(summary.reinstatedKeys.length, PRINTED_LISTINGS)) lines.push(`  ... ${summary.reinstated} reinstated in all`);
  if (summary.warningCount > 0) lines.push(`warnings    ${summary.warningCount}`);
  for (const warning of summary.warnings.slice(0, PRINTED_LISTINGS)) lines.push(`  row ${warning.row}: ${warning.field}: ${warning.message}`);
  if (summary.warningCount > Math.min(summary.warnings.length, PRINTED_LISTINGS)) lines.push(`  ... ${summary.warningCount} warnings in all`);
  if (summary.status === 'rejected') lines.push(`the whole file was refused and nothing of it ${summary.dryRun ? 'would be stored' : 'stored'}:`);
  for (const issue of summary.rejected.slice(0, PRINTED_ISSUES))
    lines.push(`  ${issue.row !== undefined ? `row ${issue.row}: ` : ''}${issue.field}: ${issue.message}`);
  if (!summary.dryRun && (summary.rejected.length > PRINTED_ISSUES || summary.rejectedTruncated)) {
    const where = args.server ?? 'the service';
    lines.push(`  ... all rejected rows, with the records as pushed: GET ${where}/api/v1/feeds/rejections?batchId=${summary.batchId}`);
  } else if (summary.dryRun && (summary.rejected.length > PRINTED_ISSUES || summary.rejectedTruncated))
    lines.push(`  ... ${summary.rejectedRows} rejected rows in all (push without --dry-run to keep them listed)`);
  return `${lines.join('\n')}\n`;
}
