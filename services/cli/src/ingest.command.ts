import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { SingleBar } from 'cli-progress';
import { parseFeedKind } from '@turnaround/domain';
import { BatchSummary, FeedContext } from '@turnaround/feeds';
import { callServer, withEmbedded } from './embedded';

/** How many rejected rows the summary prints; the rest are listed by the rejections endpoint. */
const PRINTED_ISSUES = 20;

export interface IngestArguments {
  kind: string;
  file: string;
  profile?: string;
  server?: string;
  key?: string;
  actor: string;
}

export async function ingest(args: IngestArguments): Promise<number> {
  const kind = parseFeedKind(args.kind);
  const json = args.file.toLowerCase().endsWith('.json');
  const { size } = await stat(args.file);
  const bar = new SingleBar({
    format: `ingest ${kind} {bar} {percentage}% | {rows} rows: {accepted} accepted, {duplicates} duplicates, {restated} restated, {rejectedRows} rejected`,
    stream: process.stderr,
    hideCursor: true,
  });
  bar.start(size, 0, { rows: 0, accepted: 0, duplicates: 0, restated: 0, rejectedRows: 0 });
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
  let summary: BatchSummary;
  try {
    if (args.server) {
      const query = args.profile ? `?profile=${encodeURIComponent(args.profile)}` : '';
      summary = await callServer<BatchSummary>(
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
      summary = await withEmbedded(({ ingestor }) =>
        json
          ? readFile(args.file, 'utf8').then((text) => ingestor.ingestJson(kind, parseJson(text, args.file), context))
          : ingestor.ingestCsv(kind, file, context, { profile: args.profile, onProgress: (progress) => bar.update(bytes, progress) }),
      );
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

function describe(summary: BatchSummary, args: IngestArguments): string {
  const lines = [
    `batch ${summary.batchId}: ${summary.feed}${summary.profile ? ` with profile ${summary.profile}` : ''}, ${summary.status}`,
    `  accepted    ${summary.accepted}`,
    `  duplicates  ${summary.duplicates}  (already recorded with the same values: nothing appended)`,
    `  restated    ${summary.restated}  (recorded before with other values: the new values supersede)`,
    `  skipped     ${summary.skipped}  (left out on purpose by the profile)`,
    `  rejected    ${summary.rejectedRows} rows`,
  ];
  if (summary.status === 'rejected') lines.push('the whole file was refused and nothing of it stored:');
  for (const issue of summary.rejected.slice(0, PRINTED_ISSUES))
    lines.push(`  ${issue.row !== undefined ? `row ${issue.row}: ` : ''}${issue.field}: ${issue.message}`);
  if (summary.rejected.length > PRINTED_ISSUES || summary.rejectedTruncated) {
    const where = args.server ?? 'the service';
    lines.push(`  ... all rejected rows, with the records as pushed: GET ${where}/api/v1/feeds/rejections?batchId=${summary.batchId}`);
  }
  return `${lines.join('\n')}\n`;
}
