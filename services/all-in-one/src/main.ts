import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ApiKeys, loadConfig } from '@turnaround/platform';
import { createApp } from './app';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config);
  await app.listen(config.port);
  const keys = app.get(ApiKeys);
  if (!config.bootstrapKey && !(await keys.anyKey())) {
    // First start: without a key nobody could call the API. Shown once; only its hash is kept.
    const { key } = await keys.issue({ kind: 'state' }, 'first start');
    Logger.log(`first start: a state API key was created, shown this once: ${key} (more: npm run turnaround -- keys create --role ...)`, 'Main');
  }
  const store = config.databaseUrl ? 'PostgreSQL server from DATABASE_URL' : `PGlite under ${config.dataDir}`;
  Logger.log(`turnaround-monitor on http://localhost:${config.port} (API docs at /api/docs), ${store}`, 'Main');
}

main().catch((error) => {
  Logger.error(error instanceof Error ? error.message : String(error), 'Main');
  process.exit(1);
});
