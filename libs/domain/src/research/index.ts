export * from './research-panel';
export * from './proof-points';
export { seededRandom } from './seeded-random';
export * from './comparison-means';
