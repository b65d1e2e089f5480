// A district's receiver for turnaround-monitor's alert webhooks (README "Webhooks"): checks
// each delivery's signature, reads it as a CloudEvent and prints one JSON line per event.
// Plain Node (20 or later) and the CloudEvents SDK: `npm install cloudevents`.
//
//   PORT=8080 WEBHOOK_SECRET='the secret the webhook was registered with' node webhook-receiver.mjs
//
// Serve it behind https: a webhook must be an https URL unless the state's operator allows
// its host in WEBHOOK_ALLOWED_HOSTS.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { HTTP } from 'cloudevents';

const port = Number(process.env.PORT ?? 8080);
const secret = process.env.WEBHOOK_SECRET;
if (!secret) throw new Error('set WEBHOOK_SECRET to the secret the webhook was registered with');

/**
 * Whether the service sent this body: X-Turnaround-Signature holds `v1=` + hex
 * HMAC-SHA256(secret, "{X-Turnaround-Timestamp}.{raw body}"), twice while a rotated secret's
 * overlap lasts (any one may match), and a timestamp more than 5 minutes off is a replay.
 */
function signedByTheService(headers, body) {
  const timestamp = String(headers['x-turnaround-timestamp'] ?? '');
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const expected = Buffer.from(`v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`);
  return (
    String(headers['x-turnaround-signature'] ?? '')
      .split(',')
      .map((value) => Buffer.from(value.trim()))
      // constant-time: a plain comparison tells an attacker how much of a guess was right
      .some((given) => given.length === expected.length && timingSafeEqual(given, expected))
  );
}

// A delivery can come twice (a retry whose first answer was lost): the event id says so. Keep
// these in your own database to remember them across restarts.
const seen = new Set();

const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    // Verify the raw bytes as received, before parsing anything.
    const body = Buffer.concat(chunks);
    if (!signedByTheService(request.headers, body)) return response.writeHead(401).end();
    let event;
    try {
      // A CloudEvent in structured mode: content-type application/cloudevents+json, the event is the body.
      event = HTTP.toEvent({ headers: request.headers, body: body.toString('utf8') });
    } catch {
      return response.writeHead(400).end();
    }
    if (!seen.has(event.id)) {
      seen.add(event.id);
      // type: {prefix}.alert.raised, .acknowledged, .resolved, .reopened, or .webhook.test;
      // data: the whole alert (docs/alerts.md "Alert messages").
      console.log(JSON.stringify({ id: event.id, type: event.type, subject: event.subject, alertId: event.data?.alertId }));
    }
    // Any 2xx counts as delivered; anything else is retried with backoff.
    response.writeHead(204).end();
  });
});

server.listen(port, () => console.error(`listening on port ${server.address().port}`));
