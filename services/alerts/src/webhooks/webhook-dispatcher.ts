import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { LookupAddress } from 'node:dns';
import { LookupFunction } from 'node:net';
import { Logger } from '@nestjs/common';
import { ValidationError } from '@turnaround/domain';
import { AlertMessageSettings, WebhookTestData } from '@turnaround/platform';
import { AlertMessage, webhookRequest } from '../alert-cloud-event';
import { CheckedReceiver } from './receiver-address';
import { RetryPolicy, signature, SigningTarget, WebhookStore } from './webhook-store';

const TICK_MS = 250;
/** A claimed delivery is someone's for this long; a request that outlives it may be sent twice. */
const LEASE_MS = 30_000;
const REQUEST_TIMEOUT_MS = 10_000;

/** A send that got no HTTP answer, by what went wrong and not how: the category is all a district sees. */
class NoAnswer extends Error {
  constructor(
    readonly category: 'timeout' | 'connection refused' | 'TLS' | 'connection failed',
    cause: unknown,
  ) {
    super(category, { cause });
  }
}

/** What a test delivery came to: delivered, or the failure's category, as a real delivery records it. */
export interface TestDelivery {
  webhookId: string;
  eventId: string;
  delivered: boolean;
  failure: string | null;
}

/**
 * Sends due webhook deliveries, each a CloudEvent in structured mode (or the legacy body, by
 * ALERT_MESSAGE_FORMAT), signed: `X-Turnaround-Timestamp` (unix seconds) and
 * `X-Turnaround-Signature: v1=HMAC-SHA256(secret, "{timestamp}.{body}")`, once per secret that
 * signs. A 2xx answer delivers; anything else (a redirect too, and a URL whose host now
 * resolves to a refused address) retries with backoff, and after `maxAttempts` the delivery is
 * dead. A failure is recorded as a category only (timeout, connection refused, TLS, connection
 * failed, HTTP status): the raw error differs by what answers on a port, and would let a
 * district scan ports through the service. The log keeps the raw error for the operator.
 */
export class WebhookDispatcher {
  private readonly logger = new Logger('Webhooks');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly webhooks: WebhookStore,
    private readonly policy: RetryPolicy,
    private readonly messages: AlertMessageSettings,
  ) {}

  start(): void {
    const tick = () => {
      this.running = this.dispatchDue()
        .catch((error: unknown) => this.logger.error(`dispatch failed: ${String(error)}`))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, TICK_MS);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Sends a signed ping to one webhook now, by the path every delivery takes, and says what came of it. */
  async test(districtId: string, webhookId: string): Promise<TestDelivery> {
    const target = await this.webhooks.signingTarget(districtId, webhookId);
    const eventId = `test-${randomUUID()}`;
    const ping: WebhookTestData = { type: 'WebhookTest', eventId, recordedAt: new Date().toISOString(), districtId, webhookId };
    const failure = await this.send(target, eventId, ping);
    return { webhookId, eventId, delivered: failure === undefined, failure: failure ?? null };
  }

  private async dispatchDue(): Promise<void> {
    const due = await this.webhooks.claimDue(LEASE_MS);
    await Promise.all(
      due.map(async (delivery) => {
        // The payload is what the outbox stored: an alert event's notice body, wrapped as it is sent.
        const failure = await this.send(delivery, delivery.eventId, delivery.payload as AlertMessage, delivery.deliveryId);
        if (failure === undefined) await this.webhooks.delivered(delivery.deliveryId);
        else await this.webhooks.failed(delivery, failure, this.policy);
      }),
    );
  }

  /** POSTs `payload` to the target, signed over the body as sent; undefined when a 2xx answered, else the failure's category. */
  private async send(target: SigningTarget, eventId: string, payload: AlertMessage, deliveryId?: number): Promise<string | undefined> {
    const { contentType, body } = webhookRequest(payload, this.messages);
    const timestamp = String(Math.floor(Date.now() / 1000));
    try {
      // Checked again at each send: the host's addresses may have changed since it was registered.
      const receiver = await this.webhooks.receivers.check(target.url);
      const status = await post(receiver, body, {
        'content-type': contentType,
        'x-turnaround-timestamp': timestamp,
        'x-turnaround-signature': signature(target.secrets, timestamp, body),
        // A test ping is not in the outbox, so it has no delivery number.
        ...(deliveryId === undefined ? {} : { 'x-turnaround-delivery': String(deliveryId) }),
        'x-turnaround-event': eventId,
      });
      if (status >= 200 && status < 300) return undefined;
      return status >= 300 && status < 400 ? `HTTP ${status} (redirects are not followed)` : `HTTP ${status}`;
    } catch (error) {
      // Our own rule's words, which the district saw at registration: they say nothing of the network.
      if (error instanceof ValidationError) return `not allowed: ${error.message}`;
      if (!(error instanceof NoAnswer)) throw error;
      this.logger.warn(`webhook ${target.webhookId}, event ${eventId}: ${error.category} (${String(error.cause)})`);
      return error.category;
    }
  }
}

/**
 * POSTs to the checked address itself: the connection's lookup answers with the address that
 * was checked, so a DNS answer that changes between check and connect (rebinding) is never
 * used. TLS still verifies the certificate against the URL's host name. Redirects are not
 * followed: the answer's status is all that counts.
 */
function post(receiver: CheckedReceiver, body: string, headers: Record<string, string>): Promise<number> {
  const pinned: LookupFunction = (_host, options, callback) => {
    if (options.all) (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, [{ address: receiver.address, family: receiver.family }]);
    else callback(null, receiver.address, receiver.family);
  };
  const tls = receiver.url.protocol === 'https:';
  const send = tls ? httpsRequest : httpRequest;
  // Between TCP connect and the end of the TLS handshake: a failure then is TLS's, whatever its code.
  let handshaking = false;
  let timedOut = false;
  return new Promise((resolve, reject) => {
    const request = send(
      receiver.url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: pinned,
        // A connection of its own: a pooled one may have been made to an address checked for another send.
        agent: false,
        timeout: REQUEST_TIMEOUT_MS,
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', (error) => reject(new NoAnswer('connection failed', error)));
      },
    );
    if (tls)
      request.on('socket', (socket) => {
        socket.once('connect', () => (handshaking = true));
        socket.once('secureConnect', () => (handshaking = false));
      });
    request.on('timeout', () => {
      timedOut = true;
      request.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`));
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      reject(
        new NoAnswer(
          timedOut || error.code === 'ETIMEDOUT' ? 'timeout' : error.code === 'ECONNREFUSED' ? 'connection refused' : handshaking ? 'TLS' : 'connection failed',
          error,
        ),
      );
    });
    request.end(body);
  });
}
