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
  const { retracted } = args.server
    ? await callServer<{ retracted: boolean }>(args.server, args.key, `/api/v1/feeds/${kind}/retractions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-actor': args.actor, 'x-correlation-id': context.correlationId },
        body: JSON.stringify({ naturalKey: args.naturalKey, reason: args.reason }),
      })
    : await withEmbedded(({ ingestor }) => ingestor.retract(kind, args.naturalKey, args.reason, context));
  process.stdout.write(retracted ? `retracted ${kind} record ${args.naturalKey}\n` : `${kind} record ${args.naturalKey} was already retracted\n`);
  return 0;
}
