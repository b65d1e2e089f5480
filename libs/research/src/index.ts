export * from './panel-writer';
export * from './export-panel';
export * from './codebook';
export { csvLine } from './csv-panel-writer';
