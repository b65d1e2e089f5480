import { loadConfig, TurnaroundConfig } from '@turnaround/platform';

/** The state key every test app accepts (TURNAROUND_BOOTSTRAP_KEY), and that httpClient sends. */
export const TEST_STATE_KEY = 'test-state-key-0123456789';
/** Seals webhook secrets on a server database, where the service makes no key of its own (32 bytes, base64). */
export const TEST_SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

export function testConfig(env: Record<string, string>): TurnaroundConfig {
  return loadConfig({ TURNAROUND_BOOTSTRAP_KEY: TEST_STATE_KEY, ...(env.DATABASE_URL ? { TURNAROUND_SECRET_KEY: TEST_SECRET_KEY } : {}), ...env });
}
