import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { IllegalStateError, NotFoundError, ValidationError } from '@turnaround/domain';
import { openSecretBox, SecretBox, TurnaroundConfig } from '@turnaround/platform';
import { migrate, SqlClient } from '@turnaround/postgres';
import { ReceiverAddresses } from './receiver-address';

/**
 * Webhooks of districts and the persistent outbox of their deliveries. A delivery row is
 * written once per (webhook, event) from a checkpointed subscription; the dispatcher sends
 * them in order per webhook, retries with exponential backoff and dead-letters after too many
 * attempts. Nothing is held only in memory, so a restart loses no delivery. Secrets are kept
 * sealed (AES-256-GCM, TURNAROUND_SECRET_KEY) and opened only to sign a delivery.
 */
export interface Webhook {
  webhookId: string;
  districtId: string;
  url: string;
  createdAt: string;
}

export interface Delivery {
  deliveryId: number;
  webhookId: string;
  eventId: string;
  status: 'pending' | 'delivered' | 'dead';
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  deliveredAt: string | null;
  payload: unknown;
}

/** What a delivery is sent to and signed with: the current secret, and the one before it while their overlap lasts. */
export interface SigningTarget {
  webhookId: string;
  url: string;
  secrets: string[];
}

/** A rotation's answer: the new secret, shown this once, and until when the one it replaced still signs. */
export interface RotatedSecret {
  webhookId: string;
  secret: string;
  previousSecretExpiresAt: string;
}

/** A district's receivers are few; the cap keeps one key from making the service fan out each alert without bound. */
const WEBHOOKS_PER_DISTRICT = 10;
/** How long the secret a rotation replaces still signs: a day for the receiver to take up the new one. */
const SECRET_OVERLAP_HOURS = 24;

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

const SCHEMA = [
  {
    id: '001-webhooks',
    sql: `
      CREATE TABLE webhooks (
        webhook_id text PRIMARY KEY, district_id text NOT NULL, url text NOT NULL, secret text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now());
      CREATE INDEX webhooks_district ON webhooks (district_id);
      CREATE TABLE webhook_deliveries (
        delivery_id bigserial PRIMARY KEY, webhook_id text NOT NULL REFERENCES webhooks (webhook_id), event_id text NOT NULL,
        payload jsonb NOT NULL, status text NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
        attempts integer NOT NULL DEFAULT 0, next_attempt_at timestamptz NOT NULL DEFAULT now(), last_error text, delivered_at timestamptz,
        UNIQUE (webhook_id, event_id));
      CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (webhook_id, delivery_id) WHERE status = 'pending';`,
  },
  { id: '002-sealed-secrets', sql: `ALTER TABLE webhooks ADD COLUMN sealed_secret text; ALTER TABLE webhooks ALTER COLUMN secret DROP NOT NULL;` },
];
/** Once every plain-text secret is sealed (`sealPlainSecrets`), the plain column goes. */
const DROP_PLAIN_SECRETS = {
  id: '003-drop-plain-secrets',
  sql: `ALTER TABLE webhooks DROP COLUMN secret; ALTER TABLE webhooks ALTER COLUMN sealed_secret SET NOT NULL;`,
};
/** The secret a rotation replaced, sealed like the current one, and when it stops signing. */
const ROTATED_SECRETS = {
  id: '004-rotated-secrets',
  sql: `ALTER TABLE webhooks ADD COLUMN previous_sealed_secret text, ADD COLUMN previous_secret_expires_at timestamptz;`,
};

export class WebhookStore {
  private constructor(
    private readonly sql: SqlClient,
    private readonly secrets: SecretBox,
    /** Where a webhook may point: the rule at registration, and again before each send. */
    readonly receivers: ReceiverAddresses,
  ) {}

  static async create(sql: SqlClient, config: TurnaroundConfig): Promise<WebhookStore> {
    const secrets = openSecretBox(config);
    await migrate(sql, 'webhooks', SCHEMA);
    await sealPlainSecrets(sql, secrets);
    await migrate(sql, 'webhooks', [...SCHEMA, DROP_PLAIN_SECRETS, ROTATED_SECRETS]);
    const store = new WebhookStore(sql, secrets, new ReceiverAddresses(config.webhookAllowedHosts));
    await store.checkKey();
    return store;
  }

  async register(districtId: string, body: { url?: unknown; secret?: unknown }): Promise<Webhook> {
    const url = typeof body?.url === 'string' ? body.url : '';
    await this.receivers.check(url);
    // The secret is never echoed back, not even in an error.
    if (typeof body.secret !== 'string' || body.secret.length < 16) throw ValidationError.of('secret', 'expected a shared secret of at least 16 characters');
    const webhookId = randomUUID();
    const sealed = this.secrets.seal(body.secret, secretContext(webhookId));
    await this.sql.transaction(async (tx) => {
      // One registration of a district at a time, so that two at once cannot both pass the cap.
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`webhooks of ${districtId}`]);
      const [{ count }] = await tx.query<{ count: number }>('SELECT count(*)::int AS count FROM webhooks WHERE district_id = $1', [districtId]);
      if (count >= WEBHOOKS_PER_DISTRICT)
        throw new IllegalStateError(
          `district '${districtId}' has ${count} webhooks, the most a district may have (${WEBHOOKS_PER_DISTRICT}); delete one before registering another`,
        );
      await tx.query('INSERT INTO webhooks (webhook_id, district_id, url, sealed_secret) VALUES ($1, $2, $3, $4)', [webhookId, districtId, url, sealed]);
    });
    return (await this.list(districtId)).find((webhook) => webhook.webhookId === webhookId) as Webhook;
  }

  /** Removes the webhook with its deliveries (pending ones are never sent) and its sealed secrets. */
  async remove(districtId: string, webhookId: string): Promise<Webhook> {
    const webhook = (await this.list(districtId)).find((each) => each.webhookId === webhookId);
    if (!webhook) throw new NotFoundError('webhook', webhookId);
    await this.sql.transaction(async (tx) => {
      await tx.query('DELETE FROM webhook_deliveries WHERE webhook_id = $1', [webhookId]);
      await tx.query('DELETE FROM webhooks WHERE webhook_id = $1', [webhookId]);
    });
    return webhook;
  }

  /**
   * Issues a new secret. The one it replaces still signs for SECRET_OVERLAP_HOURS, beside the
   * new one, so a receiver takes the new one up without missing a delivery; a rotation within
   * the overlap drops the secret before that one.
   */
  async rotate(districtId: string, webhookId: string): Promise<RotatedSecret> {
    const secret = randomBytes(32).toString('base64url');
    const [row] = await this.sql.query<{ previous_secret_expires_at: Date }>(
      `UPDATE webhooks SET previous_sealed_secret = sealed_secret, sealed_secret = $3,
         previous_secret_expires_at = now() + ($4::int * interval '1 hour')
       WHERE webhook_id = $1 AND district_id = $2 RETURNING previous_secret_expires_at`,
      [webhookId, districtId, this.secrets.seal(secret, secretContext(webhookId)), SECRET_OVERLAP_HOURS],
    );
    if (!row) throw new NotFoundError('webhook', webhookId);
    return { webhookId, secret, previousSecretExpiresAt: new Date(row.previous_secret_expires_at).toISOString() };
  }

  /** Where a delivery to one webhook of the district goes, and what signs it (a test delivery). */
  async signingTarget(districtId: string, webhookId: string): Promise<SigningTarget> {
    const [row] = await this.sql.query<SecretsRow & { url: string }>(
      `SELECT webhook_id, url, sealed_secret, ${PREVIOUS_SECRET_IF_VALID} FROM webhooks w WHERE webhook_id = $1 AND district_id = $2`,
      [webhookId, districtId],
    );
    if (!row) throw new NotFoundError('webhook', webhookId);
    return { webhookId, url: row.url, secrets: this.opened(row) };
  }

  async list(districtId: string): Promise<Webhook[]> {
    const rows = await this.sql.query<{ webhook_id: string; district_id: string; url: string; created_at: Date }>(
      'SELECT webhook_id, district_id, url, created_at FROM webhooks WHERE district_id = $1 ORDER BY created_at, webhook_id',
      [districtId],
    );
    return rows.map((row) => ({ webhookId: row.webhook_id, districtId: row.district_id, url: row.url, createdAt: new Date(row.created_at).toISOString() }));
  }

  /** One delivery per webhook of the district; an event seen again adds nothing. */
  async enqueue(districtId: string, eventId: string, payload: unknown): Promise<void> {
    await this.sql.query(
      `INSERT INTO webhook_deliveries (webhook_id, event_id, payload, status)
       SELECT webhook_id, $2, $3, 'pending' FROM webhooks WHERE district_id = $1
       ON CONFLICT (webhook_id, event_id) DO NOTHING`,
      [districtId, eventId, JSON.stringify(payload)],
    );
  }

  async deliveries(districtId: string, status?: string): Promise<Delivery[]> {
    if (status !== undefined && !['pending', 'delivered', 'dead'].includes(status))
      throw ValidationError.of('status', `expected pending, delivered or dead, got '${status}'`);
    const rows = await this.sql.query<DeliveryRow>(
      `SELECT d.* FROM webhook_deliveries d JOIN webhooks w USING (webhook_id)
       WHERE w.district_id = $1 AND ($2::text IS NULL OR d.status = $2) ORDER BY d.delivery_id`,
      [districtId, status ?? null],
    );
    return rows.map(toDelivery);
  }

  /**
   * Claims the next due delivery of each webhook (the oldest pending one, so a district's
   * alerts arrive in order), leasing it for `leaseMs` so that another dispatcher skips it.
   */
  async claimDue(leaseMs: number): Promise<(Delivery & SigningTarget)[]> {
    const rows = await this.sql.query<DeliveryRow & SecretsRow & { url: string }>(
      // The dispatcher's every pass also erases the replaced secrets whose overlap has ended.
      `WITH expired AS (
         UPDATE webhooks SET previous_sealed_secret = NULL, previous_secret_expires_at = NULL WHERE previous_secret_expires_at <= now())
       UPDATE webhook_deliveries d SET next_attempt_at = now() + ($1::int * interval '1 millisecond')
       FROM webhooks w
       WHERE w.webhook_id = d.webhook_id AND d.status = 'pending' AND d.next_attempt_at <= now()
         AND d.delivery_id = (SELECT min(delivery_id) FROM webhook_deliveries p WHERE p.webhook_id = d.webhook_id AND p.status = 'pending')
       RETURNING d.*, w.url, w.sealed_secret, ${PREVIOUS_SECRET_IF_VALID}`,
      [leaseMs],
    );
    return rows.map((row) => ({ ...toDelivery(row), url: row.url, secrets: this.opened(row) }));
  }

  async delivered(deliveryId: number): Promise<void> {
    await this.sql.query(
      `UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = now(), last_error = NULL WHERE delivery_id = $1`,
      [deliveryId],
    );
  }

  /** A failed attempt, by its category: retried after base x 2^attempts (capped), dead-lettered after maxAttempts. */
  async failed(delivery: Delivery, failure: string, policy: RetryPolicy): Promise<void> {
    const attempts = delivery.attempts + 1;
    const delay = Math.min(policy.baseDelayMs * 2 ** (attempts - 1), policy.maxDelayMs);
    await this.sql.query(
      `UPDATE webhook_deliveries SET attempts = $2, last_error = $3, status = $4, next_attempt_at = now() + ($5::int * interval '1 millisecond') WHERE delivery_id = $1`,
      [delivery.deliveryId, attempts, failure.slice(0, 500), attempts >= policy.maxAttempts ? 'dead' : 'pending', delay],
    );
  }

  /** The secrets that sign: the current one first. */
  private opened(row: SecretsRow): string[] {
    const sealed = [row.sealed_secret, ...(row.previous_sealed_secret ? [row.previous_sealed_secret] : [])];
    return sealed.map((each) => this.secrets.open(each, secretContext(row.webhook_id)));
  }

  /** A key other than the one the secrets were sealed with stops the start, rather than every delivery later. */
  private async checkKey(): Promise<void> {
    const [row] = await this.sql.query<{ webhook_id: string; sealed_secret: string }>('SELECT webhook_id, sealed_secret FROM webhooks LIMIT 1');
    if (row) this.secrets.open(row.sealed_secret, secretContext(row.webhook_id));
  }
}

/** The replaced secret while its overlap lasts; `w` is the webhooks row. */
const PREVIOUS_SECRET_IF_VALID = `CASE WHEN w.previous_secret_expires_at > now() THEN w.previous_sealed_secret END AS previous_sealed_secret`;

interface SecretsRow {
  webhook_id: string;
  sealed_secret: string;
  previous_sealed_secret: string | null;
}

/** A sealed secret opens only on its own webhook's row. */
function secretContext(webhookId: string): string {
  return `webhook ${webhookId}`;
}

/**
 * Seals the secrets of webhooks registered while secrets were kept in plain text, in place,
 * under the migrations' lock so that two instances starting at once seal each row once and
 * neither finds the plain column gone midway.
 */
async function sealPlainSecrets(sql: SqlClient, secrets: SecretBox): Promise<void> {
  await sql.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['turnaround-migrations']);
    const [plainColumn] = await tx.query(
      `SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'webhooks' AND column_name = 'secret'`,
    );
    if (!plainColumn) return;
    const rows = await tx.query<{ webhook_id: string; secret: string }>('SELECT webhook_id, secret FROM webhooks WHERE secret IS NOT NULL');
    for (const row of rows)
      await tx.query('UPDATE webhooks SET sealed_secret = $2, secret = NULL WHERE webhook_id = $1', [
        row.webhook_id,
        secrets.seal(row.secret, secretContext(row.webhook_id)),
      ]);
  });
}

/**
 * `v1=` HMAC-SHA256 over `{timestamp}.{body}`, once with each secret that signs, comma-separated
 * (README "Webhooks"): during a rotation's overlap a receiver that knows either secret verifies.
 */
export function signature(secrets: readonly string[], timestamp: string, body: string): string {
  return secrets.map((secret) => `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`).join(', ');
}

interface DeliveryRow {
  delivery_id: number;
  webhook_id: string;
  event_id: string;
  payload: unknown;
  status: Delivery['status'];
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  delivered_at: Date | null;
}

function toDelivery(row: DeliveryRow): Delivery {
  return {
    deliveryId: Number(row.delivery_id),
    webhookId: row.webhook_id,
    eventId: row.event_id,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: new Date(row.next_attempt_at).toISOString(),
    lastError: row.last_error,
    deliveredAt: row.delivered_at && new Date(row.delivered_at).toISOString(),
    payload: row.payload,
  };
}
