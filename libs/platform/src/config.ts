import { isIP } from 'node:net';
import { DEFAULT_FEED_CADENCES, FEED_KINDS, FeedCadences, parseFeedCadence, ValidationError } from '@turnaround/domain';
import { LeasePolicy, RetryPolicy } from '@turnaround/event-store';
import { ALERT_MESSAGE_FORMATS, AlertMessageFormat, AlertMessageSettings, DEFAULT_CLOUD_EVENT_TYPE_PREFIX } from './alert-messages';

/** Configuration by environment (README "Configuration"). */
export interface TurnaroundConfig {
  port: number;
  /** The address the HTTP server listens on: loopback unless an operator opens it (HOST). */
  host: string;
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
  /** Public reads show a rate whose denominator is below this as suppressed (docs/metrics.md). */
  nMin: number;
  /** Webhook deliveries: attempts before a delivery is dead, and the backoff (base x 2^attempt, capped). */
  webhookRetry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
  /**
   * Webhook hosts that may be reached over http and at any address (loopback, private), each on
   * its one port: the operator's own receivers. Every other webhook must be https to a public address.
   */
  webhookAllowedHosts: AllowedWebhookHost[];
  /** The AES-256 key that seals webhook secrets at rest; the embedded default keeps one under dataDir. */
  secretKey?: Buffer;
  /** Leading evidence this far short of a target still counts as on track (docs/domain.md#statuses). */
  tolerance: number;
  /** When each feed is due, for data coverage (docs/domain.md#statuses); a feed left out is not watched. */
  feedCadences: FeedCadences;
  /** A projection batch that keeps failing: its backoff, and the attempts before its runner parks. */
  projectionRetry: RetryPolicy;
  /** How fast a standby instance takes a projection over from one that died (PROJECTION_LEASE_MS). */
  projectionLease: LeasePolicy;
  /** `/health/ready` answers 503 while a projection runner is further behind the log than this. */
  readyMaxLagSeconds: number;
  /** Ready only within this many events of the log's head: a bulk load spans little log time. */
  readyMaxLagEvents: number;
  /** When set, `/metrics` answers only `Authorization: Bearer <token>`; without it, open in development and off (404) in production. */
  metricsToken?: string;
  /** `NODE_ENV=production`: what is open for convenience in development is closed (README "Operations"). */
  production: boolean;
  /**
   * Express's `trust proxy`: which proxies' `X-Forwarded-*` headers are believed (a hop count,
   * or addresses and subnets). Unset, none are: a request counts as https only when TLS ends here.
   */
  trustProxy?: number | string;
  /** The node HTTP server's timeouts, in ms (README "Configuration"). */
  httpTimeouts: HttpTimeouts;
  /** `json`: one JSON object a line (production); `pretty`: NestJS's readable lines (development). */
  logFormat: 'json' | 'pretty';
  /** Alerts by email (README "Alerts by email"). */
  email: EmailConfig;
  /** The shape alerts leave in on the alerts topic and to the webhooks: CloudEvents, their source and type prefix (docs/alerts.md "Alert messages"). */
  alertMessages: AlertMessageSettings;
}

/** Alerts by email: the state's SMTP relay (nothing is sent without it), the sender, the base of the links, and the retry. */
export interface EmailConfig {
  /** SMTP_URL: `smtp://user:password@host:587` (STARTTLS required) or `smtps://...:465`; absent, nothing is sent. */
  relay?: SmtpRelay;
  /** MAIL_FROM: the sender, e.g. `Turnaround alerts <alerts@state.example>`. */
  mailFrom: string;
  /** PUBLIC_URL: where readers reach the web app; every link in a message starts with it. */
  publicUrl: string;
  /** ALERT_TIME_ZONE: a digest's hour is read on this clock unless an address names its own zone. */
  timeZone: string;
  /** EMAIL_MAX_ATTEMPTS, EMAIL_RETRY_BASE_MS, EMAIL_RETRY_MAX_MS, as the webhooks'. */
  retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
}

export interface SmtpRelay {
  host: string;
  port: number;
  /** smtps: TLS from the first byte; smtp: STARTTLS, required (a relay that does not offer it is refused). */
  implicitTls: boolean;
  user?: string;
  password?: RedactedText;
  /** SMTP_CA_FILE: a PEM file of the CA that signed the relay's certificate, when it is not a public one. */
  caFile?: string;
}

/** A secret in the configuration: it prints, logs and serialises as `[redacted]`; only `reveal()` gives it. */
export class RedactedText {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[redacted]';
  }
  toJSON(): string {
    return '[redacted]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[redacted]';
  }
}

export interface HttpTimeouts {
  /** The whole request header must have arrived by then. */
  headersMs: number;
  /** The whole request, body included, must have arrived by then. */
  requestMs: number;
  /** A connection that sends and receives nothing for this long is closed (a stalled body). */
  idleMs: number;
  /** How long a kept-alive connection waits for its next request. */
  keepAliveMs: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): TurnaroundConfig {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw ValidationError.of('PORT', `expected a TCP port from 0 to 65535, got '${env.PORT}'`);
  // A laptop running the embedded default serves itself only; the production image and compose
  // set HOST=0.0.0.0, where a container's network stands between the service and the world.
  const host = env.HOST || '127.0.0.1';
  if (isIP(host) === 0) throw ValidationError.of('HOST', `expected an IP address to listen on (127.0.0.1, 0.0.0.0, ::), got '${host}'`);
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
  const httpTimeouts = {
    headersMs: whole('HTTP_HEADERS_TIMEOUT_MS', 20_000, 1),
    requestMs: whole('HTTP_REQUEST_TIMEOUT_MS', 300_000, 1),
    idleMs: whole('HTTP_IDLE_TIMEOUT_MS', 30_000, 1),
    keepAliveMs: whole('HTTP_KEEP_ALIVE_TIMEOUT_MS', 5_000, 1),
  };
  // Node checks the header deadline against the request's: one that cannot end first is a mistake.
  if (httpTimeouts.headersMs > httpTimeouts.requestMs)
    throw ValidationError.of('HTTP_HEADERS_TIMEOUT_MS', `expected at most HTTP_REQUEST_TIMEOUT_MS (${httpTimeouts.requestMs}), got ${httpTimeouts.headersMs}`);
  const email = emailConfig(env, port, whole);
  return {
    port,
    host,
    webhookRetry,
    projectionRetry,
    projectionLease,
    readyMaxLagSeconds: whole('READY_MAX_LAG_SECONDS', 120, 1),
    readyMaxLagEvents: whole('READY_MAX_LAG_EVENTS', 100, 0),
    metricsToken,
    production: env.NODE_ENV === 'production',
    trustProxy: trustProxy(env.TRUST_PROXY),
    httpTimeouts,
    logFormat,
    email,
    alertMessages: alertMessageSettings(env, email.publicUrl),
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

/** SMTP_URL, MAIL_FROM, PUBLIC_URL and the rest; a refusal never repeats SMTP_URL, which holds the relay's password. */
function emailConfig(env: NodeJS.ProcessEnv, port: number, whole: (name: string, fallback: number, min: number) => number): EmailConfig {
  const relay = env.SMTP_URL ? smtpRelay(env.SMTP_URL, env.SMTP_CA_FILE || undefined) : undefined;
  const mailFrom = env.MAIL_FROM || 'Turnaround alerts <alerts@turnaround.invalid>';
  if (relay && !env.MAIL_FROM)
    throw ValidationError.of('MAIL_FROM', 'expected the sender of alert emails when SMTP_URL is set, e.g. Turnaround alerts <alerts@state.example>');
  if (!/^[^<>@\s]+@[^<>@\s]+$|<[^<>@\s]+@[^<>@\s]+>$/.test(mailFrom.trim()))
    throw ValidationError.of('MAIL_FROM', `expected an address, or a name and <address>, got '${mailFrom}'`);
  const publicUrl = (env.PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, '');
  if (!URL.canParse(publicUrl) || !['http:', 'https:'].includes(new URL(publicUrl).protocol))
    throw ValidationError.of('PUBLIC_URL', `expected the web app's address, http(s)://host[:port][/path], got '${env.PUBLIC_URL}'`);
  if (relay && !env.PUBLIC_URL)
    throw ValidationError.of('PUBLIC_URL', "expected the web app's public address when SMTP_URL is set: every link in a message starts with it");
  const timeZone = env.ALERT_TIME_ZONE || 'America/New_York';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw ValidationError.of('ALERT_TIME_ZONE', `expected an IANA time zone name such as America/New_York, got '${timeZone}'`);
  }
  const retry = {
    maxAttempts: whole('EMAIL_MAX_ATTEMPTS', 25, 1),
    baseDelayMs: whole('EMAIL_RETRY_BASE_MS', 1_000, 1),
    maxDelayMs: whole('EMAIL_RETRY_MAX_MS', 300_000, 1),
  };
  return { ...(relay ? { relay } : {}), mailFrom, publicUrl, timeZone, retry };
}

/** ALERT_MESSAGE_FORMAT, CLOUDEVENTS_SOURCE (PUBLIC_URL/api/v1/alerts unless set) and CLOUDEVENTS_TYPE_PREFIX. */
function alertMessageSettings(env: NodeJS.ProcessEnv, publicUrl: string): AlertMessageSettings {
  const format = (env.ALERT_MESSAGE_FORMAT || 'cloudevents') as AlertMessageFormat;
  if (!ALERT_MESSAGE_FORMATS.includes(format))
    throw ValidationError.of(
      'ALERT_MESSAGE_FORMAT',
      `expected cloudevents, or legacy for the shape before CloudEvents (this release only), got '${env.ALERT_MESSAGE_FORMAT}'`,
    );
  const source = env.CLOUDEVENTS_SOURCE || `${publicUrl}/api/v1/alerts`;
  if (!isUriReference(source))
    throw env.CLOUDEVENTS_SOURCE
      ? ValidationError.of(
          'CLOUDEVENTS_SOURCE',
          `expected a URI reference (RFC 3986), e.g. https://turnaround.state.example/api/v1/alerts or urn:state:turnaround, got '${source}'`,
        )
      : ValidationError.of(
          'PUBLIC_URL',
          `expected an address that makes a URI (RFC 3986) of the CloudEvents source, or set CLOUDEVENTS_SOURCE; got '${env.PUBLIC_URL}'`,
        );
  const typePrefix = env.CLOUDEVENTS_TYPE_PREFIX || DEFAULT_CLOUD_EVENT_TYPE_PREFIX;
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(typePrefix))
    throw ValidationError.of(
      'CLOUDEVENTS_TYPE_PREFIX',
      `expected dot-separated lower-case names of a-z, 0-9 and -, the state's reversed domain, e.g. gov.ny.turnaround; got '${typePrefix}'`,
    );
  return { format, source, typePrefix };
}

/**
 * A URI reference (RFC 3986 4.1), as a CloudEvent's source must be: its characters only (a space
 * or a raw non-ASCII character is not one), a scheme or else no colon before the first `/`, `?`
 * or `#`, and an authority that parses.
 */
function isUriReference(text: string): boolean {
  return (
    /^(?:[\w\-.~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})+$/.test(text) &&
    /^(?:[A-Za-z][A-Za-z0-9+.-]*:|[^:/?#]*(?:[/?#]|$))/.test(text) &&
    URL.canParse(text, 'http://base.invalid/')
  );
}

function smtpRelay(text: string, caFile: string | undefined): SmtpRelay {
  const refuse = (what: string) => ValidationError.of('SMTP_URL', `expected smtp://user:password@host:port (STARTTLS) or smtps://... (TLS): ${what}`);
  if (!URL.canParse(text)) throw refuse('it does not parse as a URL');
  const url = new URL(text);
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw refuse(`the scheme is '${url.protocol}'`);
  if (!url.hostname) throw refuse('it names no host');
  const implicitTls = url.protocol === 'smtps:';
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || (implicitTls ? 465 : 587)),
    implicitTls,
    ...(url.username ? { user: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: new RedactedText(decodeURIComponent(url.password)) } : {}),
    ...(caFile ? { caFile } : {}),
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

/** A host a webhook may reach over http and at any address, on this port only. */
export interface AllowedWebhookHost {
  /** As a URL writes its host: lower case, IPv6 in brackets. */
  host: string;
  port: number;
}

/**
 * `host` or `host:port`, comma-separated, written as a URL writes its host (IPv6 in brackets);
 * 443 when no port is given. One port per entry: an allowed host is not open on every port,
 * which would let a webhook probe what else listens there.
 */
function allowedHosts(text: string | undefined): AllowedWebhookHost[] {
  if (!text) return [];
  return text.split(',').map((entry) => {
    const given = entry.trim().toLowerCase();
    // An entry that a URL writes back unchanged is a host and port: no scheme, path or odd IPv4 form.
    const url = URL.canParse(`https://${given}/`) ? new URL(`https://${given}/`) : undefined;
    const written = url && `${url.hostname}${/:\d+$/.test(given) ? `:${url.port || 443}` : ''}`;
    if (!url || !given || written !== given || url.port === '0')
      throw ValidationError.of(
        'WEBHOOK_ALLOWED_HOSTS',
        `expected host names or IP addresses, each with its port when not 443, separated by commas, without scheme or path (IPv6 in brackets), e.g. hooks.district.example,10.0.0.5:8443; got '${entry}'`,
      );
    return { host: url.hostname, port: Number(url.port || 443) };
  });
}

/** `TRUST_PROXY`: a hop count (`1`: the proxy in front), or addresses, subnets and Express's names (`loopback`, `uniquelocal`), comma-separated. */
function trustProxy(text: string | undefined): number | string | undefined {
  if (!text) return undefined;
  return /^\d+$/.test(text.trim()) ? Number(text) : text;
}

function secretKey(text: string | undefined): Buffer | undefined {
  if (!text) return undefined;
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32 || key.toString('base64') !== text.trim())
    throw ValidationError.of('TURNAROUND_SECRET_KEY', 'expected 32 random bytes in base64 (44 characters), e.g. the output of `openssl rand -base64 32`');
  return key;
}
