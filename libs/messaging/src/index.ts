export * from './message-bus.port';
export * from './kafka-message-bus.adapter';
export * from './in-process-message-bus.adapter';
export * from './topics';
