import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ApiKeys, loadConfig } from '@turnaround/platform';
import { createApp } from './app';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  const keys = app.get(ApiKeys);
  if (!config.bootstrapKey && !(await keys.anyKey())) {
    // First start: without a key nobody could call the API. Shown once (only its hash is kept),
    // and on a terminal only: a key in a log file, a container's log or a log collector is held
    // by whoever reads them. Without a terminal, the operator makes one with the CLI.
    if (process.stderr.isTTY) {
      const { key } = await keys.issue({ kind: 'state' }, 'first start');
      process.stderr.write(
        `\nfirst start: a state API key was created, shown this once:\n\n    ${key}\n\nmore: npm run turnaround -- keys create --role ...\n\n`,
      );
    } else
      Logger.warn(
        'first start: no API key yet, and no terminal to show a new one on: create a state key with the CLI (`npm run turnaround -- keys create --role state ...`, in the image `node dist/services/cli/main.js keys create ...`) or set TURNAROUND_BOOTSTRAP_KEY',
        'Main',
      );
  }
  if (config.production && !config.metricsToken) Logger.warn('METRICS_TOKEN is not set: /metrics answers 404 until it is (README "Operations")', 'Main');
  const store = config.databaseUrl ? 'PostgreSQL server from DATABASE_URL' : `PGlite under ${config.dataDir}`;
  Logger.log(`turnaround-monitor on http://${config.host}:${config.port} (API docs at /api/docs), ${store}`, 'Main');
}

main().catch((error) => {
  Logger.error(error instanceof Error ? error.message : String(error), 'Main');
  process.exit(1);
});
