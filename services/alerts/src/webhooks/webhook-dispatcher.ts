import { Logger } from '@nestjs/common';
import { RetryPolicy, signature, WebhookStore } from './webhook-store';

const TICK_MS = 250;
/** A claimed delivery is someone's for this long; a request that outlives it may be sent twice. */
const LEASE_MS = 30_000;
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Sends due webhook deliveries, signed: `X-Turnaround-Timestamp` (unix seconds) and
 * `X-Turnaround-Signature: v1=HMAC-SHA256(secret, "{timestamp}.{body}")`. A 2xx answer
 * delivers; anything else retries with backoff, and after `maxAttempts` the delivery is dead.
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
          const response = await fetch(delivery.url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'x-turnaround-timestamp': timestamp,
              'x-turnaround-signature': signature(delivery.secret, timestamp, body),
              'x-turnaround-delivery': String(delivery.deliveryId),
              'x-turnaround-event': delivery.eventId,
            },
            body,
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          });
          if (response.ok) await this.webhooks.delivered(delivery.deliveryId);
          else await this.webhooks.failed(delivery, `HTTP ${response.status}`, this.policy);
        } catch (error) {
          await this.webhooks.failed(delivery, error instanceof Error ? `${error.name}: ${(error.cause as Error | undefined)?.message ?? error.message}` : String(error), this.policy);
        }
      }),
    );
  }
}
