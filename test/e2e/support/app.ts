import { loadConfig, TurnaroundConfig } from '@turnaround/platform';

/** The state key every test app accepts (TURNAROUND_BOOTSTRAP_KEY), and that httpClient sends. */
export const TEST_STATE_KEY = 'test-state-key-0123456789';

export function testConfig(env: Record<string, string>): TurnaroundConfig {
  return loadConfig({ TURNAROUND_BOOTSTRAP_KEY: TEST_STATE_KEY, ...env });
}
