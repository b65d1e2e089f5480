import { verifyEmailLink } from '@turnaround/domain';
import { DistrictEmail } from '@turnaround/platform';
import { EmailDispatcher } from './email-dispatcher';
import { EmailMessages } from './email-messages';
import { EmailStore } from './email-store';

/** The port over the store, the renderer and the dispatcher: what the API, the web app and the metrics use. */
export function districtEmail(email: EmailStore, messages: EmailMessages, dispatcher: EmailDispatcher | null, linkKey: Buffer): DistrictEmail {
  return {
    sending: dispatcher !== null,
    get outcomes() {
      return dispatcher?.outcomes ?? { sent: 0, failed: 0, dead: 0 };
    },
    add: (districtId, body) => email.add(districtId, body),
    list: (districtId) => email.list(districtId),
    change: (districtId, recipientId, body) => email.change(districtId, recipientId, body),
    remove: (districtId, recipientId) => email.remove(districtId, recipientId),
    messages: (districtId, status) => email.messages(districtId, status),
    async preview(districtId, limit) {
      const waiting = await email.waiting(districtId, limit);
      // A confirmation's link is for the address's owner alone: the page that previews it does not show it.
      return messages.render(waiting).map(({ to, mail }) => ({
        address: to,
        subject: mail.subject,
        text: mail.text.replace(/\/email\/confirm\?token=\S+/g, '/email/confirm?token=(sent to the address only)'),
      }));
    },
    confirm: async (token) => {
      const recipientId = verifyEmailLink(linkKey, 'confirm', token);
      return recipientId === undefined ? undefined : email.confirm(recipientId);
    },
    unsubscribe: async (token) => {
      const recipientId = verifyEmailLink(linkKey, 'unsubscribe', token);
      return recipientId === undefined ? undefined : email.unsubscribe(recipientId);
    },
    links: (recipientId) => ({ confirm: messages.link('confirm', recipientId), unsubscribe: messages.link('unsubscribe', recipientId) }),
  };
}
