import {
  AlertEmailFacts,
  alertEmail,
  confirmationEmail,
  digestEmail,
  EmailLinks,
  MetricCatalogues,
  RenderedEmail,
  signEmailLink,
  wallClock,
} from '@turnaround/domain';
import { DueMessage } from './email-store';

/**
 * Renders the outbox's messages: one per confirmation or alert event, and one digest per address
 * for its due digest messages. The links start with PUBLIC_URL; confirm and unsubscribe links
 * carry a token signed with a key derived from TURNAROUND_SECRET_KEY. An indicator's result
 * reads by its entry in the process's catalogues (a rate as a percentage, a count in its unit).
 */
export class EmailMessages {
  constructor(
    private readonly publicUrl: string,
    private readonly linkKey: Buffer,
    private readonly catalogues: MetricCatalogues,
  ) {}

  link(purpose: 'confirm' | 'unsubscribe', recipientId: string): string {
    return `${this.publicUrl}/email/${purpose}?token=${signEmailLink(this.linkKey, purpose, recipientId)}`;
  }

  /** The messages to send for what was claimed: each on its own, but a digest address's digest messages together. */
  render(due: readonly DueMessage[]): { messages: DueMessage[]; to: string; mail: RenderedEmail }[] {
    const out: { messages: DueMessage[]; to: string; mail: RenderedEmail }[] = [];
    const digests = new Map<string, DueMessage[]>();
    for (const message of due) {
      if (message.digest) digests.set(message.recipientId, [...(digests.get(message.recipientId) ?? []), message]);
      else out.push({ messages: [message], to: message.address, mail: this.one(message) });
    }
    for (const messages of digests.values()) {
      const [first] = messages;
      const [year, month, day] = wallClock(first.sendAt, first.timeZone);
      const date = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
      const mail = digestEmail(
        messages.map((message) => message.payload as AlertEmailFacts),
        date,
        first,
        this.links(first.recipientId),
        this.catalogues,
      );
      out.push({ messages, to: first.address, mail });
    }
    return out.sort((a, b) => a.messages[0].messageId - b.messages[0].messageId);
  }

  private one(message: DueMessage): RenderedEmail {
    if (message.kind === 'confirmation')
      return confirmationEmail(
        { ...message, delivery: message.delivery === 'digest' ? 'a daily digest' : 'every alert as it happens' },
        this.link('confirm', message.recipientId),
        this.link('unsubscribe', message.recipientId),
      );
    return alertEmail(message.payload as AlertEmailFacts, message, this.links(message.recipientId), this.catalogues);
  }

  private links(recipientId: string): EmailLinks {
    return { alert: (alertId) => `${this.publicUrl}/alerts/${encodeURIComponent(alertId)}`, unsubscribe: this.link('unsubscribe', recipientId) };
  }
}
