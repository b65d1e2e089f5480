export * from './dashboards';
export * from './generate';
export { DATASOURCE, drillDownUrl, NO_DATA, SUPPRESSED } from './grafana';
export { isRate, isRateSql, metricLabel, metricLabelSql } from './metric-labels';
export { shownRate, shownValue } from './read-model-sql';
