import { Inject, Injectable } from '@nestjs/common';
import { Aggregate, foldStream, toAppend } from '@turnaround/domain';
import { AppendResult, EventStore } from '@turnaround/event-store';
import { RequestContext } from './request-context';
import { EVENT_STORE } from './tokens';

/**
 * Load, decide, append: the one way a command changes an aggregate. Stored events are checked
 * against their schema when read back, and new ones before they are appended. The append
 * expects the revision that was read, so a concurrent change becomes a 409, never a lost update.
 */
@Injectable()
export class AggregateStore {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async load<State, Event extends { type: string }>(aggregate: Aggregate<State, Event>, id: string): Promise<{ state: State; revision: number | undefined }> {
    const stored = await this.store.readStream(aggregate.streamId(id));
    return { state: foldStream(aggregate, stored), revision: stored.length > 0 ? stored[stored.length - 1].revision : undefined };
  }

  async loadState<State, Event extends { type: string }>(aggregate: Aggregate<State, Event>, id: string): Promise<State> {
    return (await this.load(aggregate, id)).state;
  }

  async handle<State, Event extends { type: string; data: unknown }>(
    aggregate: Aggregate<State, Event>,
    id: string,
    decide: (state: State) => Event[],
    context: RequestContext,
  ): Promise<AppendResult> {
    const { state, revision } = await this.load(aggregate, id);
    const events = decide(state);
    // The store stamps the knowledge time as the events enter the log.
    return this.store.append(
      aggregate.streamId(id),
      events.map((event) => toAppend(event, context, { check: true })),
      { expectedRevision: revision ?? 'no_stream' },
    );
  }
}
