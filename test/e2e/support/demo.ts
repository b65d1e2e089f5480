import { INestApplication } from '@nestjs/common';
import { DemoLoadOptions, loadDemoZone } from '@turnaround/demo';
import { ReadModelRunner } from '@turnaround/platform';
import { TEST_STATE_KEY } from './app';

/**
 * Loads the demo zone into a test app over its HTTP API at `base`, and waits until its read side
 * has caught up. With the app's clock, the history is known on the dates the demo simulates.
 */
export async function loadDemo(app: INestApplication, base: string, options: DemoLoadOptions = {}): Promise<void> {
  await loadDemoZone(base, TEST_STATE_KEY, options);
  await app.get(ReadModelRunner).settled();
}
