import { execFileSync } from 'node:child_process';

/** Debian's Python, where python3-pandas installs (a pyenv `python3` on PATH may lack it). */
export const PYTHON = '/usr/bin/python3';

/**
 * The suites that read exports back with pandas: on a developer's machine without Debian's
 * python3-pandas they are skipped, saying so in their name; in CI (which installs it) a missing
 * pandas is an error, never a skip.
 */
export function describeWithPandas(name: string, suite: () => void): void {
  let available = true;
  try {
    execFileSync(PYTHON, ['-c', 'import pandas'], { stdio: 'ignore' });
  } catch {
    available = false;
  }
  if (!available && process.env.CI) throw new Error(`CI reads the exports back with pandas: install it (apt-get install python3-pandas) for ${PYTHON}`);
  if (available) describe(name, suite);
  else describe.skip(`${name} (skipped: no pandas for ${PYTHON}; apt-get install python3-pandas)`, suite);
}
