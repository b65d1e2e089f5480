import { waitUntil } from '@turnaround/domain/testing';
import { InProcessMessageBus } from './in-process-message-bus.adapter';
import { MessageBatch } from './message-bus.port';

describe('the in-process bus of the embedded default', () => {
  it('delivers each message once, in order, batch by batch', async () => {
    const bus = new InProcessMessageBus();
    const seen: string[] = [];
    const consumption = await bus.consume({ groupId: 'g', topics: ['t'] }, async (batch: MessageBatch) => {
      seen.push(...batch.messages.map((message) => `${message.offset}:${message.value}`));
    });
    await bus.publish('t', [
      { key: 'a', value: 'one' },
      { key: 'b', value: 'two' },
    ]);
    await bus.publish('t', [{ key: 'a', value: 'three' }]);
    await waitUntil(
      () => seen,
      (list) => expect(list).toHaveLength(3),
      1_000,
    );
    await consumption.stop();
    expect(seen).toEqual(['0:one', '1:two', '2:three']);
  });

  it('hands each message over with its headers, none as {}', async () => {
    const bus = new InProcessMessageBus();
    await bus.publish('t', [
      { key: 'a', value: 'one', headers: { ce_id: 'e-1' } },
      { key: 'b', value: 'two' },
    ]);
    expect(bus.published('t').map((message) => message.headers)).toEqual([{ ce_id: 'e-1' }, {}]);
  });

  it('hands a batch whose handler failed over again, as Kafka does with uncommitted offsets', async () => {
    const bus = new InProcessMessageBus();
    let attempts = 0;
    const handled: string[] = [];
    const consumption = await bus.consume({ groupId: 'g', topics: ['t'] }, async (batch) => {
      attempts += 1;
      if (attempts === 1) throw new Error('storage down');
      handled.push(...batch.messages.map((message) => message.value as string));
    });
    await bus.publish('t', [{ key: 'a', value: 'one' }]);
    await waitUntil(
      () => handled,
      (list) => expect(list).toHaveLength(1),
      1_000,
    );
    await consumption.stop();
    expect({ attempts, handled }).toEqual({ attempts: 2, handled: ['one'] });
    expect(bus.published('t')).toHaveLength(1);
  });
});
