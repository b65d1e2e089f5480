import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a link in an alert email does: confirm the address, or take it off the district's list. */
export type EmailLinkPurpose = 'confirm' | 'unsubscribe';

const VERSION = 'turnaround-email-link-v1';
const RECIPIENT_ID = /^[A-Za-z0-9-]{1,64}$/;

/**
 * The token of a link that acts on one recipient without signing in: `{recipientId}.{mac}`,
 * mac = base64url HMAC-SHA256(key, "turnaround-email-link-v1\n{purpose}\n{recipientId}"). The
 * purpose is signed, so an unsubscribe token does not confirm. It names nothing but the
 * recipient and never expires: a link in an old message still unsubscribes, and acting twice
 * is acting once.
 */
export function signEmailLink(key: Buffer, purpose: EmailLinkPurpose, recipientId: string): string {
  if (!RECIPIENT_ID.test(recipientId)) throw new Error(`a recipient id is letters, digits and dashes, got '${recipientId}'`);
  return `${recipientId}.${mac(key, purpose, recipientId).toString('base64url')}`;
}

/** The recipient a token names, when the key signed it for that purpose; undefined for anything else. */
export function verifyEmailLink(key: Buffer, purpose: EmailLinkPurpose, token: unknown): string | undefined {
  if (typeof token !== 'string' || token.length > 200) return undefined;
  const dot = token.indexOf('.');
  const recipientId = token.slice(0, dot);
  if (dot < 0 || !RECIPIENT_ID.test(recipientId)) return undefined;
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = mac(key, purpose, recipientId);
  // Compared in constant time; a base64url text that decodes to another length is no match.
  return given.length === expected.length && timingSafeEqual(given, expected) && token.slice(dot + 1) === expected.toString('base64url')
    ? recipientId
    : undefined;
}

function mac(key: Buffer, purpose: EmailLinkPurpose, recipientId: string): Buffer {
  return createHmac('sha256', key).update(`${VERSION}\n${purpose}\n${recipientId}`).digest();
}
