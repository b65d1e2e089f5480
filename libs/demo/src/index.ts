/**
 * The demo zone (`turnaround demo`, the end-to-end tests) and the seeded state-sized dataset
 * (`npm run bench`): registries and feed records built from one set of record builders, and
 * loaded through a running service's HTTP API.
 */
export { DEMO_SCIENCE_EFFECT, demoFeeds } from './demo-zone';
export type { DatedPush, DemoPush } from './demo-zone';
export { stateDataset } from './state-dataset';
export { loadDemoZone, loadRegistry } from './load';
export { DEMO_PEOPLE, DEMO_REPORT_CARDS } from './demo-people';
export type { DemoPerson } from './demo-people';
export type { DemoLoadOptions } from './load';
export { DEMO_EMAIL_RECIPIENTS } from './demo-email';
