import { randomUUID } from 'node:crypto';
import { parseFeedKind } from '@turnaround/domain';
import { callServer, withEmbedded } from './embedded';

export interface RetractArguments {
  kind: string;
  naturalKey: string;
  reason: string;
  server?: string;
  key?: string;
  actor: string;
}

export async function retract(args: RetractArguments): Promise<number> {
  const kind = parseFeedKind(args.kind);
  const context = { channel: 'cli' as const, actor: args.actor, correlationId: randomUUID() };
  const { retracted, naturalKey } = args.server
    ? await callServer<{ retracted: boolean; naturalKey: string }>(args.server, args.key, `/api/v1/feeds/${kind}/retractions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-actor': args.actor, 'x-correlation-id': context.correlationId },
        body: JSON.stringify({ naturalKey: args.naturalKey, reason: args.reason }),
      })
    : await withEmbedded(({ ingestor }) => ingestor.retract(kind, args.naturalKey, args.reason, context));
  // a key already retracted is refused (409) with when and by whom: an error, exit 2
  process.stdout.write(retracted ? `retracted ${kind} record ${naturalKey}\n` : `${kind} record ${naturalKey} was already retracted\n`);
  return 0;
}
