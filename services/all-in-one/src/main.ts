import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadConfig } from '@turnaround/platform';
import { createApp } from './app';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config);
  await app.listen(config.port);
  const store = config.databaseUrl ? 'PostgreSQL server from DATABASE_URL' : `PGlite under ${config.dataDir}`;
  Logger.log(`turnaround-monitor on http://localhost:${config.port} (API docs at /api/docs), ${store}`, 'Main');
}

main().catch((error) => {
  Logger.error(error instanceof Error ? error.message : String(error), 'Main');
  process.exit(1);
});
