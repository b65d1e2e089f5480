import { writeFile } from 'node:fs/promises';
import { createApp } from '@turnaround/all-in-one';
import { NotFoundError, ValidationError } from '@turnaround/domain';
import { loadConfig, Principal, RESEARCH_REQUESTS, ReadModelRunner, ResearchRequests } from '@turnaround/platform';
import { progressFileOf, ReviewFile, reviewFileOf, WebReads } from '@turnaround/web-service';
import { fetchServer } from './embedded';
import { optionName } from './export.command';

interface ReportArguments {
  contractId: string;
  out: string;
  server?: string;
  key?: string;
  actor: string;
}

export interface ReportContractArguments extends ReportArguments {
  year?: string;
  asOf?: string;
}

export interface ReportProgressArguments extends ReportArguments {
  month?: string;
}

/**
 * `turnaround report contract <contractId> --year K [--as-of D] --out review.html`: the annual
 * contract review (docs/domain.md, the annual review) as one self-contained HTML file, the same document as
 * the page `/contracts/{id}/review`. With --server it is the API's
 * `GET /api/v1/contracts/{contractId}/review` for the key's holder; on the embedded default (or
 * DATABASE_URL) the CLI starts the service's modules on the database, lets the read side catch up
 * with the log, and reads the review as the state office.
 */
export async function reportContract(args: ReportContractArguments): Promise<number> {
  let written: Pick<ReviewFile, 'contractId' | 'year' | 'asOf'> & { bytes: number };
  if (args.server) {
    const { body, headers } = await download(args, args.server, 'review', { year: args.year, asOf: args.asOf });
    const year = /review-year-(\d+)\.html/.exec(headers.get('content-disposition') ?? '')?.[1];
    written = { contractId: args.contractId, year: Number(year), asOf: headers.get('x-turnaround-as-of') ?? '', bytes: body.length };
  } else {
    const file = await writeEmbedded(args, (reads, research, principal) => reviewFileOf(reads, research, principal, args.contractId, args.year, args.asOf));
    written = { ...file, bytes: Buffer.byteLength(file.html) };
  }
  process.stdout.write(
    `wrote the annual review of contract ${written.contractId}, year ${written.year}, as known at ${written.asOf}, to ${args.out} (${Math.ceil(written.bytes / 1024)} kB): open it in a browser, or print it to PDF\n`,
  );
  return 0;
}

/**
 * `turnaround report progress <contractId> [--month YYYY-MM] --out progress.html`: the monthly
 * progress report (docs/domain.md, the annual review) as one self-contained HTML file, the page
 * `/contracts/{id}/progress`; with --server through `GET /api/v1/contracts/{contractId}/progress`,
 * else on the embedded default as the state office, as `report contract`.
 */
export async function reportProgress(args: ReportProgressArguments): Promise<number> {
  let written: { month: string; bytes: number };
  if (args.server) {
    const { body, headers } = await download(args, args.server, 'progress', { month: args.month });
    written = { month: /progress-(\d{4}-\d{2})\.html/.exec(headers.get('content-disposition') ?? '')?.[1] ?? '', bytes: body.length };
  } else {
    const file = await writeEmbedded(args, (reads, _research, principal) => progressFileOf(reads, principal, args.contractId, args.month));
    written = { month: file.month, bytes: Buffer.byteLength(file.html) };
  }
  process.stdout.write(
    `wrote the progress report of contract ${args.contractId} for ${written.month} to ${args.out} (${Math.ceil(written.bytes / 1024)} kB): open it in a browser, or print it to PDF\n`,
  );
  return 0;
}

/** Downloads the report file `kind` of the contract into --out; its headers say what it holds. */
async function download(
  args: ReportArguments,
  server: string,
  kind: 'review' | 'progress',
  parameters: Record<string, string | undefined>,
): Promise<{ body: Buffer; headers: Headers }> {
  if (!args.key) throw new Error('--server needs an API key: pass --key or set TURNAROUND_KEY');
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) if (value !== undefined) query.set(name, value);
  const path = `/api/v1/contracts/${encodeURIComponent(args.contractId)}/${kind}${query.size > 0 ? `?${query}` : ''}`;
  const response = await fetchServer(server, path, { headers: { authorization: `Bearer ${args.key}` } });
  const body = Buffer.from(await response.arrayBuffer());
  if (!response.ok) throw new Error(`${server} answered ${response.status}: ${refusal(args.contractId, response.status, body.toString('utf8'))}`);
  await writeFile(args.out, body);
  return { body, headers: response.headers };
}

/** The API's refusal in the CLI's words: each field as the option that set it (`asOf` is `--as-of`), a missing contract as the argument. */
function refusal(contractId: string, status: number, text: string): string {
  let answer: { message?: string; issues?: { field: string; message: string }[] };
  try {
    answer = JSON.parse(text);
  } catch {
    return text.slice(0, 200);
  }
  if (answer.issues?.length) return answer.issues.map((issue) => `\n  ${optionName(issue.field)}: ${issue.message}`).join('');
  if (status === 404) return `<contractId> '${contractId}': no such contract for this key (${answer.message ?? 'not found'})`;
  return answer.message ?? text.slice(0, 200);
}

/** The CLI on the database itself acts as the state office: whoever may open the database may read everything in it. */
const cliPrincipal = (actor: string): Principal => ({ keyId: 'cli', role: { kind: 'state' }, name: `cli (${actor})` });

/** Starts the service's modules on the database, lets the read side catch up, makes the file as the state office and writes it to --out. */
async function writeEmbedded<F extends { html: string }>(
  args: ReportArguments,
  make: (reads: WebReads, research: ResearchRequests, principal: Principal) => Promise<F>,
): Promise<F> {
  const app = await createApp(loadConfig(), { logger: false });
  try {
    await app.init();
    // Feeds ingested while no service ran are in the log only until the read side applies them.
    await app.get(ReadModelRunner).settled();
    const reads = app.get(WebReads, { strict: false });
    const research = app.get<ResearchRequests>(RESEARCH_REQUESTS, { strict: false });
    let file: F;
    try {
      file = await make(reads, research, cliPrincipal(args.actor));
    } catch (error) {
      throw embeddedRefusal(args.contractId, error);
    }
    await writeFile(args.out, file.html);
    return file;
  } finally {
    await app.close();
  }
}

/** A domain error of a report in the CLI's words, as `refusal` says the API's. */
function embeddedRefusal(contractId: string, error: unknown): unknown {
  if (error instanceof NotFoundError) return new Error(`<contractId> '${contractId}': no such contract`);
  if (error instanceof ValidationError) return new Error(error.issues.map((issue) => `${optionName(issue.field)}: ${issue.message}`).join('; '));
  return error;
}
