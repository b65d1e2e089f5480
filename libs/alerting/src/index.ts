export { Alerting } from './alerting';
export { alertStreamsOf, planAlertAppends } from './alert-appends';
export type { AlertStreamEvent, AlertStreams } from './alert-appends';
export type { ScorecardChange } from './scorecard-change';
