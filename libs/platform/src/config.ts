import { ValidationError } from '@turnaround/domain';

/** Configuration by environment (README "Configuration"). */
export interface TurnaroundConfig {
  port: number;
  dataDir: string;
  /** A PostgreSQL server for event store and read model; PGlite under dataDir when absent. */
  databaseUrl?: string;
  kafkaBrokers?: string[];
  eventstoreUrl?: string;
  /** More vendor mapping profiles, beside the shipped ones (libs/feeds/profiles/README.md). */
  feedProfilesDir?: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): TurnaroundConfig {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw ValidationError.of('PORT', `expected a TCP port from 0 to 65535, got '${env.PORT}'`);
  return {
    port,
    dataDir: env.DATA_DIR || './data',
    databaseUrl: env.DATABASE_URL || undefined,
    kafkaBrokers: env.KAFKA_BROKERS ? env.KAFKA_BROKERS.split(',').map((broker) => broker.trim()) : undefined,
    eventstoreUrl: env.EVENTSTORE_URL || undefined,
    feedProfilesDir: env.FEED_PROFILES_DIR || undefined,
  };
}
