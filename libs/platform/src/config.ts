import { DEFAULT_FEED_CADENCES, FEED_KINDS, FeedCadences, parseFeedCadence, ValidationError } from '@turnaround/domain';
import { LeasePolicy, RetryPolicy } from '@turnaround/event-store';

/** Configuration by environment (README "Configuration"). */
export interface TurnaroundConfig {
  port: number;
  dataDir: string;
  /** A PostgreSQL server for event store and read model; PGlite under dataDir when absent. */
  databaseUrl?: string;
  kafkaBrokers?: string[];
  /** Put before every topic name; keeps test runs on one broker apart (empty in production). */
  kafkaTopicPrefix: string;
  eventstoreUrl?: string;
  /** More vendor mapping profiles, beside the shipped ones (libs/feeds/profiles/README.md). */
  feedProfilesDir?: string;
  /** More indicator catalogue entries, beside the shipped ones (libs/feeds/indicators/README.md). */
  indicatorsDir?: string;
  /** More subjects, beside the shipped ones (SHIPPED_SUBJECTS): what `proficiency.{subject}` may name in a target or a research request. */
  subjectsDir?: string;
  /** Accepted as a state API key (for automation); at least 16 characters. */
  bootstrapKey?: string;
  /** Public reads show a rate whose denominator is below this as suppressed (DESIGN.md section 5). */
  nMin: number;
  /** Webhook deliveries: attempts before a delivery is dead, and the backoff (base x 2^attempt, capped). */
  webhookRetry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
  /**
   * Webhook hosts that may be reached over http and at any address (loopback, private): the
   * operator's own receivers. Every other webhook must be https to a public address.
   */
  webhookAllowedHosts: string[];
  /** The AES-256 key that seals webhook secrets at rest; the embedded default keeps one under dataDir. */
  secretKey?: Buffer;
  /** Leading evidence this far short of a target still counts as on track (DESIGN.md section 7). */
  tolerance: number;
  /** When each feed is due, for data coverage (DESIGN.md section 7); a feed left out is not watched. */
  feedCadences: FeedCadences;
  /** A projection batch that keeps failing: its backoff, and the attempts before its runner parks. */
  projectionRetry: RetryPolicy;
  /** How fast a standby instance takes a projection over from one that died (PROJECTION_LEASE_MS). */
  projectionLease: LeasePolicy;
  /** `/health/ready` answers 503 while a projection runner is further behind the log than this. */
  readyMaxLagSeconds: number;
  /** When set, `/metrics` answers only `Authorization: Bearer <token>`; open otherwise (it holds nothing sensitive). */
  metricsToken?: string;
  /** `json`: one JSON object a line (production); `pretty`: NestJS's readable lines (development). */
  logFormat: 'json' | 'pretty';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): TurnaroundConfig {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw ValidationError.of('PORT', `expected a TCP port from 0 to 65535, got '${env.PORT}'`);
  const nMin = Number(env.N_MIN ?? 10);
  if (!Number.isInteger(nMin) || nMin < 1) throw ValidationError.of('N_MIN', `expected a whole number of 1 or more, got '${env.N_MIN}'`);
  const tolerance = Number(env.AT_RISK_TOLERANCE ?? 0);
  if (!Number.isFinite(tolerance) || tolerance < 0 || tolerance >= 1)
    throw ValidationError.of('AT_RISK_TOLERANCE', `expected a number from 0 up to 1 (0.02 = 2 points), got '${env.AT_RISK_TOLERANCE}'`);
  const bootstrapKey = env.TURNAROUND_BOOTSTRAP_KEY || undefined;
  if (bootstrapKey !== undefined && bootstrapKey.length < 16) throw ValidationError.of('TURNAROUND_BOOTSTRAP_KEY', 'expected at least 16 characters');
  const whole = (name: string, fallback: number, min: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isInteger(value) || value < min) throw ValidationError.of(name, `expected a whole number of ${min} or more, got '${env[name]}'`);
    return value;
  };
  const webhookRetry = {
    maxAttempts: whole('WEBHOOK_MAX_ATTEMPTS', 25, 1),
    baseDelayMs: whole('WEBHOOK_RETRY_BASE_MS', 1_000, 1),
    maxDelayMs: whole('WEBHOOK_RETRY_MAX_MS', 300_000, 1),
  };
  const projectionRetry = {
    baseDelayMs: whole('PROJECTION_RETRY_BASE_MS', 1_000, 1),
    maxDelayMs: whole('PROJECTION_RETRY_MAX_MS', 60_000, 1),
    attempts: whole('PROJECTION_MAX_ATTEMPTS', 10, 1),
  };
  // A leader renews five times per lease, so a slow round or two does not cost it the lease.
  const leaseMs = whole('PROJECTION_LEASE_MS', 5_000, 100);
  const projectionLease = { ttlMs: leaseMs, renewMs: Math.round(leaseMs / 5) };
  const logFormat = env.LOG_FORMAT || (env.NODE_ENV === 'production' ? 'json' : 'pretty');
  if (logFormat !== 'json' && logFormat !== 'pretty') throw ValidationError.of('LOG_FORMAT', `expected json or pretty, got '${env.LOG_FORMAT}'`);
  const metricsToken = env.METRICS_TOKEN || undefined;
  if (metricsToken !== undefined && metricsToken.length < 16) throw ValidationError.of('METRICS_TOKEN', 'expected at least 16 characters');
  return {
    port,
    webhookRetry,
    projectionRetry,
    projectionLease,
    readyMaxLagSeconds: whole('READY_MAX_LAG_SECONDS', 120, 1),
    metricsToken,
    logFormat,
    webhookAllowedHosts: allowedHosts(env.WEBHOOK_ALLOWED_HOSTS),
    secretKey: secretKey(env.TURNAROUND_SECRET_KEY),
    bootstrapKey,
    nMin,
    tolerance,
    feedCadences: feedCadences(env),
    dataDir: env.DATA_DIR || './data',
    databaseUrl: env.DATABASE_URL || undefined,
    kafkaTopicPrefix: env.KAFKA_TOPIC_PREFIX ?? '',
    kafkaBrokers: env.KAFKA_BROKERS ? env.KAFKA_BROKERS.split(',').map((broker) => broker.trim()) : undefined,
    eventstoreUrl: env.EVENTSTORE_URL || undefined,
    feedProfilesDir: env.FEED_PROFILES_DIR || undefined,
    indicatorsDir: env.INDICATORS_DIR || undefined,
    subjectsDir: env.SUBJECTS_DIR || undefined,
  };
}

/** `CADENCE_ATTENDANCE`, `CADENCE_STAFFING`, ...: `months:graceDays` (e.g. `10,6:30`), or `none` to stop watching the feed. */
function feedCadences(env: NodeJS.ProcessEnv): FeedCadences {
  const cadences: FeedCadences = { ...DEFAULT_FEED_CADENCES };
  for (const feed of FEED_KINDS) {
    const name = `CADENCE_${feed.toUpperCase()}`;
    const text = env[name];
    if (!text) continue;
    if (text.trim() === 'none') delete cadences[feed];
    else cadences[feed] = parseFeedCadence(name, text);
  }
  return cadences;
}

/** Host names or IP addresses, comma-separated, written as a URL writes its host (IPv6 in brackets). */
function allowedHosts(text: string | undefined): string[] {
  if (!text) return [];
  return text.split(',').map((entry) => {
    const host = entry.trim().toLowerCase();
    // An entry that a URL writes back unchanged is a bare host: no scheme, port, path or odd IPv4 form.
    const written = URL.canParse(`https://${host}/`) ? new URL(`https://${host}/`).hostname : undefined;
    if (!host || written !== host)
      throw ValidationError.of('WEBHOOK_ALLOWED_HOSTS', `expected host names or IP addresses separated by commas, without scheme or port (IPv6 in brackets), e.g. hooks.district.example,127.0.0.1; got '${entry}'`);
    return host;
  });
}

function secretKey(text: string | undefined): Buffer | undefined {
  if (!text) return undefined;
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32 || key.toString('base64') !== text.trim())
    throw ValidationError.of('TURNAROUND_SECRET_KEY', 'expected 32 random bytes in base64 (44 characters), e.g. the output of `openssl rand -base64 32`');
  return key;
}
