import { readFileSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { createTransport, Transporter } from 'nodemailer';
import { EmailConfig, EmailOutcomes, SmtpRelay } from '@turnaround/platform';
import { EmailMessages } from './email-messages';
import { EmailStore } from './email-store';

const TICK_MS = 250;
/** A claimed message is someone's for this long; a send that outlives it may go twice. */
const LEASE_MS = 60_000;
const SMTP_TIMEOUT_MS = 15_000;

/**
 * Sends due messages to the state's SMTP relay (SMTP_URL): over STARTTLS, required, or TLS
 * from the first byte (smtps), with the relay's credentials. Every message carries RFC 8058's
 * one-click unsubscribe (`List-Unsubscribe` with the signed link, `List-Unsubscribe-Post`). A
 * refusal or a failed connection retries with backoff, and after `maxAttempts` the message is
 * dead. What is recorded of a failure is the relay's answer or the connection's error, with the
 * relay's password struck out wherever it could appear.
 */
export class EmailDispatcher {
  private readonly logger = new Logger('Email');
  private readonly transport: Transporter;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly counts = { sent: 0, failed: 0, dead: 0 };

  constructor(
    private readonly email: EmailStore,
    private readonly messages: EmailMessages,
    private readonly config: EmailConfig & { relay: SmtpRelay },
  ) {
    const { relay } = config;
    this.transport = createTransport({
      host: relay.host,
      port: relay.port,
      secure: relay.implicitTls,
      // Never in clear: a relay that does not offer STARTTLS is refused, not spoken to in plain text.
      requireTLS: !relay.implicitTls,
      ...(relay.user ? { auth: { user: relay.user, pass: relay.password?.reveal() ?? '' } } : {}),
      tls: { servername: relay.host, minVersion: 'TLSv1.2', ...(relay.caFile ? { ca: readFileSync(relay.caFile) } : {}) },
      connectionTimeout: SMTP_TIMEOUT_MS,
      greetingTimeout: SMTP_TIMEOUT_MS,
      socketTimeout: SMTP_TIMEOUT_MS,
      logger: false,
      debug: false,
    });
  }

  get outcomes(): EmailOutcomes {
    return { ...this.counts };
  }

  start(): void {
    const tick = () => {
      this.running = this.dispatchDue()
        .catch((error: unknown) => this.logger.error(`dispatch failed: ${this.redacted(error)}`))
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
    this.transport.close();
  }

  private async dispatchDue(): Promise<void> {
    const due = await this.email.claimDue(LEASE_MS);
    // One at a time: a relay takes a district's messages in order, and a slow one is not flooded.
    for (const { messages, to, mail } of this.messages.render(due)) {
      try {
        await this.transport.sendMail({
          from: this.config.mailFrom,
          to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId: `<turnaround-email-${messages[0].messageId}-${messages[0].recipientId}@${domainOf(this.config.mailFrom)}>`,
          headers: {
            'List-Unsubscribe': `<${mail.unsubscribeUrl}>`,
            'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
            'Auto-Submitted': 'auto-generated',
          },
        });
        await this.email.sent(messages.map((message) => message.messageId));
        this.counts.sent += 1;
      } catch (error) {
        const failure = this.failure(error);
        this.logger.warn(`message ${messages[0].messageId} to district ${messages[0].districtId}: ${failure}`);
        const dead = await this.email.failed(messages, failure, this.config.retry);
        this.counts[dead ? 'dead' : 'failed'] += 1;
      }
    }
  }

  /** The relay's answer (`SMTP 451: ...`) or the connection's failure, with the password struck out. */
  private failure(error: unknown): string {
    const { responseCode, response, code } = error as { responseCode?: number; response?: string; code?: string };
    if (responseCode) return this.redacted(`SMTP ${responseCode}: ${response ?? ''}`.trim());
    return this.redacted(`${code ? `${code}: ` : ''}${error instanceof Error ? error.message : String(error)}`);
  }

  private redacted(error: unknown): string {
    let text = error instanceof Error ? error.message : String(error);
    const password = this.config.relay.password?.reveal();
    if (password)
      for (const form of new Set([password, encodeURIComponent(password), Buffer.from(password).toString('base64')]))
        text = text.split(form).join('[redacted]');
    return text;
  }
}

function domainOf(from: string): string {
  return /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'turnaround.invalid';
}
