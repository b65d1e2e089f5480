import Ajv from 'ajv';

/** A Kafka message as a test produced or consumed it: the headers as text, none `{}`. */
export interface KafkaMessage {
  topic: string;
  key: string | null;
  value: string | null;
  headers?: Record<string, string>;
}

type Json = Record<string, unknown>;
type Channel = { address: string; messages?: Record<string, Json> };

/** The key the document is known by to Ajv: every `$ref` in it (`#/components/...`) resolves against the whole document, as in AsyncAPI. */
const DOCUMENT = 'asyncapi.json';

/** RFC 3339, as `ce_time` is: Ajv checks no format unless given it (ajv-formats is no dependency of ours). */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/** A JSON pointer's part: `~` and `/` escaped (RFC 6901). */
const pointerPart = (part: string) => part.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Checks Kafka messages against the AsyncAPI document the app serves (`/api/docs/asyncapi.json`):
 * the channel whose address is the topic, and one of its messages that the value (as JSON), the
 * key and the headers all fit. Gives the problems of the message that came closest, none when one
 * fits, so a test that produces or consumes a message can hold the document to it.
 */
export function asyncApiMessageChecker(document: Json): (message: KafkaMessage) => string[] {
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, formats: { 'date-time': DATE_TIME } });
  ajv.addSchema(document, DOCUMENT);
  const channels = Object.entries(document.channels as Record<string, Channel>);
  return (message) => {
    const found = channels.find(([, channel]) => channel.address === message.topic);
    if (!found) return [`${message.topic}: no channel of the document has this address`];
    const [channelId, channel] = found;
    const fits = Object.entries(channel.messages ?? {}).map(([messageId, entry]) => {
      const pointer = typeof entry.$ref === 'string' ? entry.$ref.slice(1) : `/channels/${pointerPart(channelId)}/messages/${pointerPart(messageId)}`;
      return problemsAgainst(ajv, document, pointer, message);
    });
    if (fits.length === 0) return [`${message.topic}: its channel has no messages`];
    return fits.reduce((closest, problems) => (problems.length < closest.length ? problems : closest));
  };
}

/** What a JSON pointer into the document names. */
function at(document: Json, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .reduce<unknown>((value, part) => (value as Json | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], document);
}

/** The problems of `message` as the document's message at `pointer`: its payload, Kafka key and headers, those the document describes. */
function problemsAgainst(ajv: Ajv, document: Json, pointer: string, message: KafkaMessage): string[] {
  const described = at(document, pointer) as { name?: string } | undefined;
  if (!described) return [`${message.topic}: the document has no message at ${pointer}`];
  const problems: string[] = [];
  const check = (what: string, path: string, value: unknown) => {
    if (at(document, `${pointer}/${path}`) === undefined) return;
    const validate = ajv.getSchema(`${DOCUMENT}#${pointer}/${path}`);
    if (!validate) problems.push(`${what}: the document's schema at ${pointer}/${path} does not resolve`);
    else if (!validate(value)) problems.push(ajv.errorsText(validate.errors, { dataVar: what }));
  };
  const value = jsonOf(message.value);
  if ('error' in value) problems.push(`the value is not JSON: ${value.error}`);
  else check('payload', 'payload', value.json);
  check('key', 'bindings/kafka/key', message.key);
  check('headers', 'headers', message.headers ?? {});
  return problems.map((problem) => `${message.topic} (${described.name ?? pointer}): ${problem}`);
}

function jsonOf(text: string | null): { json: unknown } | { error: string } {
  try {
    return { json: JSON.parse(text ?? '') };
  } catch (error) {
    return { error: (error as Error).message };
  }
}
