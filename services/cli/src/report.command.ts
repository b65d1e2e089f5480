import { writeFile } from 'node:fs/promises';
import { createApp } from '@turnaround/all-in-one';
import { NotFoundError, ValidationError } from '@turnaround/domain';
import { loadConfig, Principal, RESEARCH_REQUESTS, ReadSide, ResearchRequests } from '@turnaround/platform';
import { ReviewFile, reviewFileOf, WebReads } from '@turnaround/web';
import { optionName } from './export.command';

export interface ReportContractArguments {
  contractId: string;
  year?: string;
  asOf?: string;
  out: string;
  server?: string;
  key?: string;
  actor: string;
}

/** What the file of a review is said to be: the rest comes from the file itself. */
type Written = Pick<ReviewFile, 'contractId' | 'year' | 'asOf'> & { bytes: number };

/**
 * `turnaround report contract <contractId> --year K [--as-of D] --out review.html`: the annual
 * contract review (DESIGN.md section 13) as one self-contained HTML file, the same document as
 * the page `/contracts/{id}/review`. With --server it is the API's
 * `GET /api/v1/contracts/{contractId}/review` for the key's holder; on the embedded default (or
 * DATABASE_URL) the CLI starts the service's modules on the database, lets the read side catch up
 * with the log, and reads the review as the state office.
 */
export async function reportContract(args: ReportContractArguments): Promise<number> {
  const written = args.server ? await download(args, args.server) : await writeEmbedded(args);
  process.stdout.write(
    `wrote the annual review of contract ${written.contractId}, year ${written.year}, as known at ${written.asOf}, to ${args.out} (${Math.ceil(written.bytes / 1024)} kB): open it in a browser, or print it to PDF\n`,
  );
  return 0;
}

async function download(args: ReportContractArguments, server: string): Promise<Written> {
  if (!args.key) throw new Error('--server needs an API key: pass --key or set TURNAROUND_KEY');
  const query = new URLSearchParams();
  if (args.year !== undefined) query.set('year', args.year);
  if (args.asOf !== undefined) query.set('asOf', args.asOf);
  const path = `/api/v1/contracts/${encodeURIComponent(args.contractId)}/review${query.size > 0 ? `?${query}` : ''}`;
  const response = await fetch(new URL(path, server), { headers: { authorization: `Bearer ${args.key}` } });
  const body = Buffer.from(await response.arrayBuffer());
  if (!response.ok) throw new Error(`${server} answered ${response.status}: ${refusal(args.contractId, response.status, body.toString('utf8'))}`);
  await writeFile(args.out, body);
  const year = /review-year-(\d+)\.html/.exec(response.headers.get('content-disposition') ?? '')?.[1];
  return { contractId: args.contractId, year: Number(year), asOf: response.headers.get('x-turnaround-as-of') ?? '', bytes: body.length };
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

async function writeEmbedded(args: ReportContractArguments): Promise<Written> {
  const app = await createApp(loadConfig(), { logger: false });
  try {
    await app.init();
    // Feeds ingested while no service ran are in the log only until the read side applies them.
    await app.get(ReadSide).settled();
    const reads = app.get(WebReads, { strict: false });
    const research = app.get<ResearchRequests>(RESEARCH_REQUESTS, { strict: false });
    let file: ReviewFile;
    try {
      file = await reviewFileOf(reads, research, cliPrincipal(args.actor), args.contractId, args.year, args.asOf);
    } catch (error) {
      throw embeddedRefusal(args.contractId, error);
    }
    await writeFile(args.out, file.html);
    return { ...file, bytes: Buffer.byteLength(file.html) };
  } finally {
    await app.close();
  }
}

/** A domain error of the review in the CLI's words, as `refusal` says the API's. */
function embeddedRefusal(contractId: string, error: unknown): unknown {
  if (error instanceof NotFoundError) return new Error(`<contractId> '${contractId}': no such contract`);
  if (error instanceof ValidationError) return new Error(error.issues.map((issue) => `${optionName(issue.field)}: ${issue.message}`).join('; '));
  return error;
}
