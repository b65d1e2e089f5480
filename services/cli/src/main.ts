import 'reflect-metadata';
import { Command, Option } from 'commander';
import { DomainError, FEED_KINDS } from '@turnaround/domain';
import { demo } from './demo/demo.command';
import { ingest } from './ingest.command';
import { keys } from './keys.command';
import { replay } from './replay.command';
import { retract } from './retract.command';

/** `turnaround`: the command line of DESIGN.md section 8. Exit 0: all fine; 1: records were rejected; 2: the command failed. */
const program = new Command('turnaround')
  .description('turnaround-monitor from the command line: against the embedded default (./data), or a running service with --server')
  .showHelpAfterError();

const server = () =>
  new Option('--server <url>', 'send to a running service instead of opening the embedded database').env('TURNAROUND_URL');
const key = () => new Option('--key <key>', 'API key for --server (a state or data-team key)').env('TURNAROUND_KEY');
const actor = () => new Option('--actor <name>', 'who is pushing, stored with every event').env('TURNAROUND_ACTOR').default(process.env.USER ?? 'cli');

program
  .command('ingest')
  .description('push a feed file (CSV, or JSON when it ends in .json) and print what was accepted and rejected')
  .argument('<kind>', FEED_KINDS.join(' | '))
  .argument('<file>', 'the file to push')
  .option('--profile <name>', 'vendor mapping profile for CSV (canonical: header row = field names)')
  .addOption(server())
  .addOption(key())
  .addOption(actor())
  .action(async (kind: string, file: string, options: { profile?: string; server?: string; key?: string; actor: string }) => {
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
  .description('rebuild every read model from position zero (the embedded default, or DATABASE_URL with the services stopped)')
  .option('--as-of <iso>', 'instead, build the read models as known at that time into their own schema (as_of_...), for research')
  .action(async (options: { asOf?: string }) => {
    process.exitCode = await replay(options);
  });

program
  .command('demo')
  .description('load a generated Partnership Zone (3 clusters, 12 schools, 3 contract years) into the embedded default and serve it on PORT')
  .option('--no-serve', 'load the zone, print what it raised, and exit')
  .action(async (options: { serve: boolean }) => {
    process.exitCode = await demo(options);
  });

const keyCommands = program.command('keys').description('API keys (stored hashed): state, district:{districtId}, data-team, researcher');
keyCommands
  .command('create')
  .requiredOption('--role <role>', 'state | district:{districtId} | partner:{partnerId} | data-team | researcher | public')
  .option('--label <text>', 'who holds it', '')
  .action(async (options: { role: string; label: string }) => {
    process.exitCode = await keys('create', options);
  });
keyCommands.command('list').action(async () => {
  process.exitCode = await keys('list', {});
});
keyCommands
  .command('revoke')
  .argument('<keyId>')
  .action(async (keyId: string) => {
    process.exitCode = await keys('revoke', { keyId });
  });

program.parseAsync().catch((error: unknown) => {
  const message = error instanceof DomainError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`turnaround: ${message}\n`);
  process.exitCode = 2;
});
