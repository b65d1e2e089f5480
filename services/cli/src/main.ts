import 'reflect-metadata';
import { Command, Option } from 'commander';
import { DomainError, FEED_KINDS } from '@turnaround/domain';
import { analyze } from './analyze.command';
import { demo } from './demo.command';
import { exportPanel } from './export.command';
import { ingest } from './ingest.command';
import { keys } from './keys.command';
import { projections } from './projections.command';
import { reportContract, reportProgress } from './report.command';
import { replay } from './replay.command';
import { retract } from './retract.command';

/** `turnaround`: the command line of docs/architecture.md#outside-interfaces. Exit 0: all fine; 1: records were rejected; 2: the command failed. */
const program = new Command('turnaround')
  .description('turnaround-monitor from the command line: against the embedded default (./data), or a running service with --server')
  .showHelpAfterError();

const server = () => new Option('--server <url>', 'send to a running service instead of opening the embedded database').env('TURNAROUND_URL');
const key = () => new Option('--key <key>', 'API key for --server (a state or data-team key)').env('TURNAROUND_KEY');
const actor = () => new Option('--actor <name>', 'who is pushing, stored with every event').env('TURNAROUND_ACTOR').default(process.env.USER ?? 'cli');

program
  .command('ingest')
  .description('push a feed file (CSV, or JSON when it ends in .json) and print what was accepted and rejected')
  .argument('<kind>', FEED_KINDS.join(' | '))
  .argument('<file>', 'the file to push')
  .option('--profile <name>', 'vendor mapping profile for CSV (canonical: header row = field names)')
  .option('--dry-run', 'validate and count every record as the push would, and store nothing')
  .addOption(server())
  .addOption(key())
  .addOption(actor())
  .action(async (kind: string, file: string, options: { profile?: string; dryRun?: boolean; server?: string; key?: string; actor: string }) => {
    process.exitCode = await ingest({ kind, file, ...options });
  });

program
  .command('retract')
  .description('withdraw a feed record by its natural key (nothing is deleted; projections stop counting it)')
  .argument('<kind>', FEED_KINDS.join(' | '))
  .argument('<naturalKey>', 'e.g. 01M015/2010-11/annual/nys/math/all/all')
  .requiredOption('--reason <text>', 'why the record is withdrawn')
  .addOption(server())
  .addOption(key())
  .addOption(actor())
  .action(async (kind: string, naturalKey: string, options: { reason: string; server?: string; key?: string; actor: string }) => {
    process.exitCode = await retract({ kind, naturalKey, ...options });
  });

program
  .command('replay')
  .description(
    'rebuild every read model from position zero beside the live tables, then put it in their place (DATABASE_URL: the services may keep running; the embedded default: stop the service first)',
  )
  .option('--as-of <iso>', 'instead, build the read models as known at that time into their own schema (as_of_...), for research')
  .action(async (options: { asOf?: string }) => {
    process.exitCode = await replay(options);
  });

const researchKey = () => new Option('--key <key>', 'API key for --server (a researcher or state key)').env('TURNAROUND_KEY');
const asOf = () => new Option('--as-of <iso>', 'as the service knew it at that time (knowledge time); now when absent');

program
  .command('export')
  .description('research exports (docs/research.md)')
  .command('panel')
  .description('the school x school year panel with treatment and comparison flags, and its codebook beside it (FILE.codebook.csv)')
  .option('--metrics <list>', 'metrics, comma-separated (e.g. proficiency.math,attendance_rate); every metric with values when absent')
  .option('--from <year>', 'first school year: 2022-23, or the year it ends in (2023)')
  .option('--to <year>', 'last school year: 2025-26, or 2026')
  .addOption(asOf())
  .addOption(new Option('--format <format>', 'file format').choices(['csv', 'parquet', 'dta']).default('csv'))
  .requiredOption('--out <file>', 'the file to write')
  .addOption(server())
  .addOption(researchKey())
  .addOption(actor())
  .action(
    async (options: {
      metrics?: string;
      from?: string;
      to?: string;
      asOf?: string;
      format: string;
      out: string;
      server?: string;
      key?: string;
      actor: string;
    }) => {
      process.exitCode = await exportPanel(options);
    },
  );

program
  .command('analyze')
  .description("proof-point statistics of a metric: gains, difference in differences, ATT(g, t), bootstrap intervals, Hedges' g")
  .requiredOption('--metric <metric>', 'e.g. proficiency.math')
  .addOption(
    new Option('--group <group>', 'the treated groups compared with the never-treated schools')
      .choices(['cluster', 'zone', 'partner', 'cohort'])
      .default('zone'),
  )
  .addOption(new Option('--weights <weights>', 'n: weight each school by its denominator in the base year').choices(['none', 'n']).default('none'))
  .addOption(asOf())
  .option('--json', 'print the figures as the API answers them', false)
  .addOption(server())
  .addOption(researchKey())
  .addOption(actor())
  .action(async (options: { metric: string; group: string; weights: string; asOf?: string; json: boolean; server?: string; key?: string; actor: string }) => {
    process.exitCode = await analyze(options);
  });

const reportCommands = program.command('report').description('printable reports as self-contained HTML files (docs/domain.md, the annual review)');
reportCommands
  .command('contract')
  .description(
    'the annual contract review as one self-contained HTML file (styles and charts inline): the page /contracts/{id}/review, printable from any browser',
  )
  .argument('<contractId>', 'the contract, e.g. K-RIVER')
  .option('--year <K>', 'the contract year reviewed, 1 to the term; the latest year with a target when absent')
  .addOption(asOf())
  .requiredOption('--out <file>', 'the HTML file to write, e.g. review.html')
  .addOption(server())
  .addOption(
    new Option('--key <key>', "API key for --server (the state office's, the contract's partner's, or a district's for its schools)").env('TURNAROUND_KEY'),
  )
  .addOption(actor())
  .action(async (contractId: string, options: { year?: string; asOf?: string; out: string; server?: string; key?: string; actor: string }) => {
    process.exitCode = await reportContract({ contractId, ...options });
  });
reportCommands
  .command('progress')
  .description("the monthly progress report as one self-contained HTML file: the page /contracts/{id}/progress, the open contract year's changes in a month")
  .argument('<contractId>', 'the contract, e.g. K-RIVER')
  .option('--month <YYYY-MM>', "the month reported; the last complete month by the service's clock when absent")
  .requiredOption('--out <file>', 'the HTML file to write, e.g. progress.html')
  .addOption(server())
  .addOption(
    new Option('--key <key>', "API key for --server (the state office's, the contract's partner's, or a district's for its schools)").env('TURNAROUND_KEY'),
  )
  .addOption(actor())
  .action(async (contractId: string, options: { month?: string; out: string; server?: string; key?: string; actor: string }) => {
    process.exitCode = await reportProgress({ contractId, ...options });
  });

program
  .command('demo')
  .description('load a generated Partnership Zone (3 clusters, 12 schools, 3 contract years) into the embedded default and serve it on PORT')
  .option('--no-serve', 'load the zone, print what it raised, and exit')
  .action(async (options: { serve: boolean }) => {
    process.exitCode = await demo(options);
  });

const stateKey = () => new Option('--key <key>', 'API key for --server (a state key)').env('TURNAROUND_KEY');
const keyCommands = program
  .command('keys')
  .description('API keys (stored hashed), each issued to a named person or system: on the embedded default, or on a running service with --server');
keyCommands
  .command('create')
  .description('issue a key and print it, the only time it is shown')
  .requiredOption(
    '--role <role>',
    'state | district:{districtId} | partner:{partnerId} | data-team | researcher | public (a district or partner the registry knows)',
  )
  .requiredOption('--name <text>', 'the person or system the key is issued to')
  .option('--expires <iso>', 'an ISO date or time after which the key is refused; never when absent')
  .addOption(server())
  .addOption(stateKey())
  .action(async (options: { role: string; name: string; expires?: string; server?: string; key?: string }) => {
    process.exitCode = await keys({ action: 'create', role: options.role, name: options.name, expiresAt: options.expires }, options);
  });
keyCommands
  .command('list')
  .description('every key: id, role, created, expiry or revocation, name (never the key itself)')
  .addOption(server())
  .addOption(stateKey())
  .action(async (options: { server?: string; key?: string }) => {
    process.exitCode = await keys({ action: 'list' }, options);
  });
keyCommands
  .command('revoke')
  .argument('<keyId>')
  .addOption(server())
  .addOption(stateKey())
  .action(async (keyId: string, options: { server?: string; key?: string }) => {
    process.exitCode = await keys({ action: 'revoke', keyId }, options);
  });

const projectionCommands = program
  .command('projections')
  .description('the projection runners of a running service (--server, a state key): list them, resume one parked before an event it could not apply');
projectionCommands
  .command('list')
  .description('each runner: running or parked (before which event, and why), and how far behind the log; exit 1 when one is parked')
  .addOption(server())
  .addOption(key())
  .action(async (options: { server?: string; key?: string }) => {
    process.exitCode = await projections('list', options);
  });
projectionCommands
  .command('resume')
  .description('follow the log again from the event a runner parked before, once the fix is deployed')
  .argument('<name>', 'read-side | alerts | alert-publisher | webhook-outbox | email-outbox')
  .addOption(server())
  .addOption(key())
  .action(async (name: string, options: { server?: string; key?: string }) => {
    process.exitCode = await projections('resume', { name, ...options });
  });

program.parseAsync().catch((error: unknown) => {
  const message = error instanceof DomainError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`turnaround: ${message}\n`);
  process.exitCode = 2;
});
