/**
 * The one messaging port (docs/architecture.md#outside-interfaces topics). kafkajs is in maintenance mode: this
 * port keeps it behind one adapter, so a later client touches that adapter only.
 */
export interface OutgoingMessage {
  /** Partitioning key: the school id for feeds, the district id for alerts. */
  key: string;
  value: string;
  headers?: Record<string, string>;
}

export interface IncomingMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  /** The message's headers as text (the alerts' `ce_` attributes, say); none is `{}`. */
  headers: Record<string, string>;
}

/** Messages of one partition, in offset order. */
export interface MessageBatch {
  topic: string;
  partition: number;
  messages: IncomingMessage[];
}

export interface Consumption {
  /** Stops after the batch in hand: its offsets are committed only if its handler finished. */
  stop(): Promise<void>;
}

export interface MessageBus {
  readonly kind: 'kafka' | 'in-process';
  /** Resolves once the broker has the messages (all in-sync replicas). */
  publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  /**
   * Consumes in a group: instances with the same `groupId` share the partitions. A batch's
   * offsets are committed only after `handle` resolves; if it throws, the batch comes again.
   */
  consume(options: { groupId: string; topics: readonly string[] }, handle: (batch: MessageBatch) => Promise<void>): Promise<Consumption>;
  close(): Promise<void>;
}
