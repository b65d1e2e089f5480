/**
 * A small seeded generator (mulberry32) for the bootstrap: the same seed gives the same draws
 * on every machine and run, which Math.random cannot promise. Its 2^32 period is far beyond
 * the 999 resamples of a few thousand schools it serves.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The seed of one named stream derived from a run's seed (FNV-1a over both), so that each
 * group's resamples depend on the run's seed and the group alone, not on which other groups
 * the same run analyses or in which order.
 */
export function streamSeed(seed: number, stream: string): number {
  let hash = 0x811c9dc5;
  for (const char of `${seed}|${stream}`) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return hash;
}
