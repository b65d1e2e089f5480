import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** The README's headings, without their `#`s. */
const headings = readFileSync(join(ROOT, 'README.md'), 'utf8')
  .split('\n')
  .filter((line) => /^#{1,6} /.test(line))
  .map((line) => line.replace(/^#+ /, '').trim());

/**
 * A cross-reference `README "Operations"` names the section whose heading is that name, or starts
 * with it before a colon or a parenthesis ("Operations: metrics, health, ...", "Feeds (data teams)").
 */
const resolves = (name: string): boolean => headings.some((heading) => heading === name || heading.startsWith(`${name}:`) || heading.startsWith(`${name} (`));

describe('cross-references to the README', () => {
  it('name a section the README has, wherever the tree writes README "..."', () => {
    const hits = execFileSync('git', ['grep', '-n', '-o', '-I', '-E', 'README "[^"]+"', '--', ':!test/e2e/readme-references.unit.spec.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
    })
      .trim()
      .split('\n');
    expect(hits.length).toBeGreaterThan(10);
    const dangling = hits.filter((hit) => !resolves(/README "([^"]+)"/.exec(hit)?.[1] ?? ''));
    expect(dangling).toEqual([]);
  });

  it('cite no design file outside the repository', () => {
    // The product brief's file name, spelled so that this spec does not cite it itself.
    const design = ['DESIGN', 'md'].join('.');
    // git grep answers 1 when nothing matches: what this wants.
    const found = spawnSync('git', ['grep', '-n', '-I', '-F', '-e', design], { cwd: ROOT, encoding: 'utf8' });
    expect([found.status, found.stdout]).toEqual([1, '']);
  });
});
