import { INestApplication } from '@nestjs/common';
import { loadDemoZone } from '@turnaround/demo';
import { ReadSide } from '@turnaround/platform';
import { TEST_STATE_KEY } from './app';

/** Loads the demo zone into a test app over its HTTP API at `base`, and waits until its read side has caught up. */
export async function loadDemo(app: INestApplication, base: string, log?: (line: string) => void): Promise<void> {
  await loadDemoZone(base, TEST_STATE_KEY, log);
  await app.get(ReadSide).settled();
}
