import { randomUUID } from 'node:crypto';
import {
  AlertEmailFacts,
  AlreadyExistsError,
  checkTimeZone,
  IllegalStateError,
  nextDigestAt,
  NotFoundError,
  parseWith,
  ValidationError,
} from '@turnaround/domain';
import { Clock, emailDeliveryBody, EmailMessage, EmailRecipient, emailRecipientBody } from '@turnaround/platform';
import { migrate, SqlClient } from '@turnaround/postgres';

/**
 * A district's email addresses and the persistent outbox of their messages, as the webhooks':
 * a message row is written once per (address, alert event) from a checkpointed subscription,
 * so a replay or a redelivered batch adds nothing; the dispatcher sends them, retries with
 * backoff and dead-letters. An address gets nothing but its confirmation until it is
 * confirmed, and nothing at all once it unsubscribed.
 *
 * Two clocks: when a message is due (now, or the digest hour) is read on the service's clock,
 * the one that stamps the events, so a digest follows the facts' own time; a retry's backoff
 * is the database's, as the webhooks'.
 */
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** A district's list is a few people; the cap keeps one key from making the service mail without bound. */
const RECIPIENTS_PER_DISTRICT = 20;

const SCHEMA = [
  {
    id: '001-email',
    sql: `
      CREATE TABLE email_recipients (
        recipient_id text PRIMARY KEY, district_id text NOT NULL, address text NOT NULL,
        delivery text NOT NULL CHECK (delivery IN ('immediate', 'digest')), digest_hour integer, time_zone text NOT NULL,
        created_at timestamptz NOT NULL, confirmed_at timestamptz, unsubscribed_at timestamptz);
      CREATE UNIQUE INDEX email_recipients_address ON email_recipients (district_id, lower(address));
      CREATE TABLE email_messages (
        message_id bigserial PRIMARY KEY, recipient_id text NOT NULL REFERENCES email_recipients (recipient_id), event_id text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('confirmation', 'alert')), payload jsonb NOT NULL, digest boolean NOT NULL, send_at timestamptz NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'sent', 'dead', 'cancelled')),
        attempts integer NOT NULL DEFAULT 0, next_attempt_at timestamptz NOT NULL DEFAULT now(), last_error text, sent_at timestamptz,
        UNIQUE (recipient_id, event_id));
      CREATE INDEX email_messages_pending ON email_messages (send_at, message_id) WHERE status = 'pending';`,
  },
];

/** A message claimed for sending, with what its rendering needs of its address. */
export interface DueMessage {
  messageId: number;
  recipientId: string;
  districtId: string;
  address: string;
  delivery: 'immediate' | 'digest';
  timeZone: string;
  kind: 'confirmation' | 'alert';
  digest: boolean;
  sendAt: Date;
  attempts: number;
  payload: AlertEmailFacts | Record<string, never>;
}

export class EmailStore {
  private constructor(
    private readonly sql: SqlClient,
    private readonly clock: Clock,
    private readonly defaultTimeZone: string,
  ) {}

  static async create(sql: SqlClient, clock: Clock, defaultTimeZone: string): Promise<EmailStore> {
    await migrate(sql, 'email', SCHEMA);
    return new EmailStore(sql, clock, defaultTimeZone);
  }

  /** Adds an address (a confirmation is sent to it first); one that unsubscribed may be added again, and must confirm again. */
  async add(districtId: string, body: unknown): Promise<EmailRecipient> {
    const { address, ...choice } = parseWith(emailRecipientBody, body);
    const { delivery, digestHour, timeZone } = this.delivery(choice);
    const recipientId = randomUUID();
    const now = this.clock();
    const added = await this.sql.transaction(async (tx) => {
      // One change of a district's list at a time, so that two at once cannot both pass the cap.
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`email recipients of ${districtId}`]);
      const [existing] = await tx.query<{ recipient_id: string; unsubscribed_at: Date | null }>(
        'SELECT recipient_id, unsubscribed_at FROM email_recipients WHERE district_id = $1 AND lower(address) = lower($2)',
        [districtId, address],
      );
      if (existing && !existing.unsubscribed_at) throw new AlreadyExistsError('email recipient', address);
      if (existing) {
        await tx.query(
          `UPDATE email_recipients SET delivery = $2, digest_hour = $3, time_zone = $4, confirmed_at = NULL, unsubscribed_at = NULL WHERE recipient_id = $1`,
          [existing.recipient_id, delivery, digestHour, timeZone],
        );
        await this.enqueueConfirmation(tx, existing.recipient_id, now);
        return existing.recipient_id;
      }
      const [{ count }] = await tx.query<{ count: number }>(
        'SELECT count(*)::int AS count FROM email_recipients WHERE district_id = $1 AND unsubscribed_at IS NULL',
        [districtId],
      );
      if (count >= RECIPIENTS_PER_DISTRICT)
        throw new IllegalStateError(
          `district '${districtId}' has ${count} email addresses, the most a district may have (${RECIPIENTS_PER_DISTRICT}); remove one before adding another`,
        );
      await tx.query(
        'INSERT INTO email_recipients (recipient_id, district_id, address, delivery, digest_hour, time_zone, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [recipientId, districtId, address, delivery, digestHour, timeZone, now],
      );
      await this.enqueueConfirmation(tx, recipientId, now);
      return recipientId;
    });
    return this.get(districtId, added);
  }

  /** A new choice of delivery; messages already waiting keep the time they were given. */
  async change(districtId: string, recipientId: string, body: unknown): Promise<EmailRecipient> {
    const { delivery, digestHour, timeZone } = this.delivery(parseWith(emailDeliveryBody, body));
    const [row] = await this.sql.query(
      'UPDATE email_recipients SET delivery = $3, digest_hour = $4, time_zone = $5 WHERE recipient_id = $1 AND district_id = $2 RETURNING recipient_id',
      [recipientId, districtId, delivery, digestHour, timeZone],
    );
    if (!row) throw new NotFoundError('email recipient', recipientId);
    return this.get(districtId, recipientId);
  }

  /** Removes the address with its messages: those still waiting are never sent. */
  async remove(districtId: string, recipientId: string): Promise<EmailRecipient> {
    const recipient = await this.get(districtId, recipientId);
    await this.sql.transaction(async (tx) => {
      await tx.query('DELETE FROM email_messages WHERE recipient_id = $1', [recipientId]);
      await tx.query('DELETE FROM email_recipients WHERE recipient_id = $1', [recipientId]);
    });
    return recipient;
  }

  async list(districtId: string): Promise<EmailRecipient[]> {
    const rows = await this.sql.query<RecipientRow>('SELECT * FROM email_recipients WHERE district_id = $1 ORDER BY created_at, recipient_id', [districtId]);
    return rows.map(toRecipient);
  }

  async get(districtId: string, recipientId: string): Promise<EmailRecipient> {
    const [row] = await this.sql.query<RecipientRow>('SELECT * FROM email_recipients WHERE recipient_id = $1 AND district_id = $2', [recipientId, districtId]);
    if (!row) throw new NotFoundError('email recipient', recipientId);
    return toRecipient(row);
  }

  /** Confirms by a verified link: again is a no-op; an address that unsubscribed stays unsubscribed (it is added anew to receive again). */
  async confirm(recipientId: string): Promise<EmailRecipient | undefined> {
    const [row] = await this.sql.query<RecipientRow>(
      `UPDATE email_recipients SET confirmed_at = coalesce(confirmed_at, CASE WHEN unsubscribed_at IS NULL THEN $2::timestamptz END) WHERE recipient_id = $1 RETURNING *`,
      [recipientId, this.clock()],
    );
    return row && toRecipient(row);
  }

  /** Unsubscribes by a verified link, at once: what still waits for the address is cancelled. Again is a no-op. */
  async unsubscribe(recipientId: string): Promise<EmailRecipient | undefined> {
    return this.sql.transaction(async (tx) => {
      const [row] = await tx.query<RecipientRow>(
        'UPDATE email_recipients SET unsubscribed_at = coalesce(unsubscribed_at, $2) WHERE recipient_id = $1 RETURNING *',
        [recipientId, this.clock()],
      );
      if (row) await tx.query(`UPDATE email_messages SET status = 'cancelled' WHERE recipient_id = $1 AND status = 'pending'`, [recipientId]);
      return row && toRecipient(row);
    });
  }

  /**
   * One message per address of the district that was confirmed when the event was recorded and
   * has not unsubscribed; an event seen again adds nothing, and an address confirmed later is not
   * sent what happened before it, however often the log is replayed. A digest address's message
   * waits for its next digest hour after the event, but a critical year-end alert goes at once.
   */
  async enqueue(districtId: string, eventId: string, recordedAt: Date, facts: AlertEmailFacts): Promise<void> {
    const recipients = await this.sql.query<RecipientRow>(
      'SELECT * FROM email_recipients WHERE district_id = $1 AND confirmed_at <= $2 AND unsubscribed_at IS NULL',
      [districtId, recordedAt],
    );
    const atOnce = facts.severity === 'critical' && facts.checkpoint === 'year_end';
    for (const recipient of recipients) {
      const digest = recipient.delivery === 'digest' && !atOnce;
      const sendAt = digest ? nextDigestAt(recordedAt, recipient.digest_hour ?? 0, recipient.time_zone) : recordedAt;
      await this.sql.query(
        `INSERT INTO email_messages (recipient_id, event_id, kind, payload, digest, send_at, status) VALUES ($1, $2, 'alert', $3, $4, $5, 'pending')
         ON CONFLICT (recipient_id, event_id) DO NOTHING`,
        [recipient.recipient_id, eventId, JSON.stringify(facts), digest, sendAt],
      );
    }
  }

  /**
   * Claims the messages due by the service's clock whose backoff has passed, leasing them for
   * `leaseMs` so that another dispatcher skips them; only to addresses still subscribed, and
   * alerts only to confirmed ones.
   */
  async claimDue(leaseMs: number, limit = 200): Promise<DueMessage[]> {
    const rows = await this.sql.query<MessageRow & RecipientRow>(
      `UPDATE email_messages m SET next_attempt_at = now() + ($1::int * interval '1 millisecond')
       FROM email_recipients r
       WHERE r.recipient_id = m.recipient_id AND m.status = 'pending' AND m.send_at <= $2 AND m.next_attempt_at <= now()
         AND r.unsubscribed_at IS NULL AND (m.kind = 'confirmation' OR r.confirmed_at IS NOT NULL)
         AND m.message_id IN (SELECT message_id FROM email_messages WHERE status = 'pending' AND send_at <= $2 ORDER BY message_id LIMIT $3)
       RETURNING m.*, r.district_id, r.address, r.delivery, r.time_zone`,
      [leaseMs, this.clock(), limit],
    );
    return rows
      .map((row) => ({
        messageId: Number(row.message_id),
        recipientId: row.recipient_id,
        districtId: row.district_id,
        address: row.address,
        delivery: row.delivery,
        timeZone: row.time_zone,
        kind: row.kind,
        digest: row.digest,
        sendAt: new Date(row.send_at),
        attempts: row.attempts,
        payload: row.payload as DueMessage['payload'],
      }))
      .sort((a, b) => a.messageId - b.messageId);
  }

  /** What waits for the district's addresses, oldest first: the last `limit` (the settings page's preview). */
  async waiting(districtId: string, limit: number): Promise<DueMessage[]> {
    const rows = await this.sql.query<MessageRow & RecipientRow>(
      `SELECT * FROM (SELECT m.*, r.district_id, r.address, r.delivery, r.time_zone FROM email_messages m JOIN email_recipients r USING (recipient_id)
       WHERE r.district_id = $1 AND m.status = 'pending' ORDER BY m.message_id DESC LIMIT $2) last ORDER BY message_id`,
      [districtId, limit],
    );
    return rows.map((row) => ({
      messageId: Number(row.message_id),
      recipientId: row.recipient_id,
      districtId: row.district_id,
      address: row.address,
      delivery: row.delivery,
      timeZone: row.time_zone,
      kind: row.kind,
      digest: row.digest,
      sendAt: new Date(row.send_at),
      attempts: row.attempts,
      payload: row.payload as DueMessage['payload'],
    }));
  }

  async sent(messageIds: readonly number[]): Promise<void> {
    await this.sql.query(
      `UPDATE email_messages SET status = 'sent', attempts = attempts + 1, sent_at = now(), last_error = NULL WHERE message_id = ANY($1::bigint[])`,
      [messageIds],
    );
  }

  /** A failed attempt: retried after base x 2^attempts (capped), dead-lettered after maxAttempts; says whether it is dead. */
  async failed(messages: readonly DueMessage[], failure: string, policy: RetryPolicy): Promise<boolean> {
    const attempts = Math.max(...messages.map((message) => message.attempts)) + 1;
    const delay = Math.min(policy.baseDelayMs * 2 ** (attempts - 1), policy.maxDelayMs);
    const dead = attempts >= policy.maxAttempts;
    await this.sql.query(
      `UPDATE email_messages SET attempts = $2, last_error = $3, status = $4, next_attempt_at = now() + ($5::int * interval '1 millisecond') WHERE message_id = ANY($1::bigint[])`,
      [messages.map((message) => message.messageId), attempts, failure.slice(0, 500), dead ? 'dead' : 'pending', delay],
    );
    return dead;
  }

  async messages(districtId: string, status?: string): Promise<EmailMessage[]> {
    if (status !== undefined && !['pending', 'sent', 'dead', 'cancelled'].includes(status))
      throw ValidationError.of('status', `expected pending, sent, dead or cancelled, got '${status}'`);
    const rows = await this.sql.query<MessageRow & { address: string }>(
      `SELECT m.*, r.address FROM email_messages m JOIN email_recipients r USING (recipient_id)
       WHERE r.district_id = $1 AND ($2::text IS NULL OR m.status = $2) ORDER BY m.message_id`,
      [districtId, status ?? null],
    );
    return rows.map((row) => ({
      messageId: Number(row.message_id),
      recipientId: row.recipient_id,
      address: row.address,
      eventId: row.event_id,
      kind: row.kind,
      digest: row.digest,
      status: row.status,
      sendAt: new Date(row.send_at).toISOString(),
      attempts: row.attempts,
      nextAttemptAt: new Date(row.next_attempt_at).toISOString(),
      lastError: row.last_error,
      sentAt: row.sent_at && new Date(row.sent_at).toISOString(),
    }));
  }

  private async enqueueConfirmation(tx: Pick<SqlClient, 'query'>, recipientId: string, now: Date): Promise<void> {
    await tx.query(
      `INSERT INTO email_messages (recipient_id, event_id, kind, payload, digest, send_at, status) VALUES ($1, $2, 'confirmation', '{}', false, $3, 'pending')`,
      [recipientId, `confirm-${randomUUID()}`, now],
    );
  }

  private delivery(choice: { delivery: 'immediate' | 'digest'; digestHour?: number; timeZone?: string }) {
    if (choice.delivery === 'digest' && choice.digestHour === undefined)
      throw ValidationError.of('digestHour', 'expected the hour of the daily digest, 0 to 23, for a digest');
    const timeZone = choice.timeZone === undefined ? this.defaultTimeZone : checkTimeZone(choice.timeZone, 'timeZone');
    return { delivery: choice.delivery, digestHour: choice.delivery === 'digest' ? (choice.digestHour as number) : null, timeZone };
  }
}

interface RecipientRow {
  recipient_id: string;
  district_id: string;
  address: string;
  delivery: 'immediate' | 'digest';
  digest_hour: number | null;
  time_zone: string;
  created_at: Date;
  confirmed_at: Date | null;
  unsubscribed_at: Date | null;
}

interface MessageRow {
  message_id: number;
  recipient_id: string;
  event_id: string;
  kind: 'confirmation' | 'alert';
  payload: unknown;
  digest: boolean;
  send_at: Date;
  status: EmailMessage['status'];
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  sent_at: Date | null;
}

function toRecipient(row: RecipientRow): EmailRecipient {
  return {
    recipientId: row.recipient_id,
    districtId: row.district_id,
    address: row.address,
    delivery: row.delivery,
    digestHour: row.digest_hour,
    timeZone: row.time_zone,
    status: row.unsubscribed_at ? 'unsubscribed' : row.confirmed_at ? 'confirmed' : 'unconfirmed',
    createdAt: new Date(row.created_at).toISOString(),
    confirmedAt: row.confirmed_at && new Date(row.confirmed_at).toISOString(),
  };
}
