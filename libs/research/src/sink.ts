import { once } from 'node:events';
import { Writable } from 'node:stream';

/**
 * Writes a chunk and waits when the sink asks it to (backpressure), so that a slow client or
 * disk holds the export back instead of letting rows pile up in memory.
 */
export async function writeChunk(sink: Writable, chunk: Uint8Array | string): Promise<void> {
  if (!sink.write(chunk)) await once(sink, 'drain');
}

/** Ends the sink and waits until everything written has been handed on. */
export function endSink(sink: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    sink.once('error', reject);
    sink.end(() => resolve());
  });
}
