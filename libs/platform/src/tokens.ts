/** Injection tokens of the ports; adapters are chosen by configuration in PersistenceModule. */
export const SQL_CLIENT = Symbol('SqlClient');
export const EVENT_STORE = Symbol('EventStore');
export const CLOCK = Symbol('Clock');
export const TURNAROUND_CONFIG = Symbol('TurnaroundConfig');
export const MESSAGE_BUS = Symbol('MessageBus');

/** Knowledge time comes from here, so tests and replays control it. */
export type Clock = () => Date;
