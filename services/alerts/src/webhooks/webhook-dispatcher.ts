import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { LookupAddress } from 'node:dns';
import { LookupFunction } from 'node:net';
import { Logger } from '@nestjs/common';
import { ValidationError } from '@turnaround/domain';
import { CheckedReceiver } from './receiver-address';
import { RetryPolicy, signature, WebhookStore } from './webhook-store';

const TICK_MS = 250;
/** A claimed delivery is someone's for this long; a request that outlives it may be sent twice. */
const LEASE_MS = 30_000;
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Sends due webhook deliveries, signed: `X-Turnaround-Timestamp` (unix seconds) and
 * `X-Turnaround-Signature: v1=HMAC-SHA256(secret, "{timestamp}.{body}")`. A 2xx answer
 * delivers; anything else (a redirect too, and a URL whose host now resolves to a refused
 * address) retries with backoff, and after `maxAttempts` the delivery is dead.
 */
export class WebhookDispatcher {
  private readonly logger = new Logger('Webhooks');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly webhooks: WebhookStore,
    private readonly policy: RetryPolicy,
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

  private async dispatchDue(): Promise<void> {
    const due = await this.webhooks.claimDue(LEASE_MS);
    await Promise.all(
      due.map(async (delivery) => {
        const body = JSON.stringify(delivery.payload);
        const timestamp = String(Math.floor(Date.now() / 1000));
        try {
          // Checked again at each send: the host's addresses may have changed since it was registered.
          const receiver = await this.webhooks.receivers.check(delivery.url);
          const status = await post(receiver, body, {
            'content-type': 'application/json',
            'x-turnaround-timestamp': timestamp,
            'x-turnaround-signature': signature(delivery.secret, timestamp, body),
            'x-turnaround-delivery': String(delivery.deliveryId),
            'x-turnaround-event': delivery.eventId,
          });
          if (status >= 200 && status < 300) await this.webhooks.delivered(delivery.deliveryId);
          else await this.webhooks.failed(delivery, status >= 300 && status < 400 ? `HTTP ${status} (redirects are not followed)` : `HTTP ${status}`, this.policy);
        } catch (error) {
          const reason = error instanceof ValidationError ? `refused: ${error.message}` : error instanceof Error ? `${error.name}: ${(error.cause as Error | undefined)?.message ?? error.message}` : String(error);
          await this.webhooks.failed(delivery, reason, this.policy);
        }
      }),
    );
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
  const send = receiver.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(receiver.url, {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: pinned,
        // A connection of its own: a pooled one may have been made to an address checked for another send.
        agent: false,
        timeout: REQUEST_TIMEOUT_MS,
      }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(Object.assign(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`), { name: 'TimeoutError' })));
    request.on('error', reject);
    request.end(body);
  });
}
