/** Injection tokens of the ports; adapters are chosen by configuration in PersistenceModule. */
export const SQL_CLIENT = Symbol('SqlClient');
export const EVENT_STORE = Symbol('EventStore');
export const CLOCK = Symbol('Clock');
export const TURNAROUND_CONFIG = Symbol('TurnaroundConfig');
export const MESSAGE_BUS = Symbol('MessageBus');
/**
 * The indicator and subject catalogues (`MetricCatalogues`), read once at start-up from the
 * shipped files and INDICATORS_DIR / SUBJECTS_DIR: injected where a metric is resolved, judged
 * or computed, never held by the process, so every part of it judges by the same catalogues.
 */
export const METRIC_CATALOGUES = Symbol('MetricCatalogues');

/** Knowledge time comes from here, so tests and replays control it. */
export type Clock = () => Date;
