import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metricDefinition } from '@turnaround/domain';
import { loadIndicatorCatalogue, SHIPPED_INDICATORS_DIR } from './indicator-catalogue';
import { loadMetricCatalogues } from './metric-catalogues';

describe('indicator catalogue as files', () => {
  const dirs: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'indicators-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('ships the SIG leading indicators with the kinds and directions of docs/metrics.md', async () => {
    const shipped = await loadIndicatorCatalogue();
    expect(shipped.list().map(({ name, kind, direction }) => [name, kind, direction])).toEqual([
      ['dropout_rate', 'rate', 'lower_is_better'],
      ['discipline_incident_rate', 'ratio', 'lower_is_better'],
      ['truancy_rate', 'rate', 'lower_is_better'],
      ['advanced_coursework_rate', 'rate', 'higher_is_better'],
      ['graduation_rate', 'rate', 'higher_is_better'],
      ['instructional_minutes', 'count', 'higher_is_better'],
      ['teacher_effective_share', 'rate', 'higher_is_better'],
    ]);
    expect(shipped.get('instructional_minutes')?.unit).toBe('minutes');
  });

  it("adds a state's own indicators from INDICATORS_DIR to the shipped ones", async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, 'ma.json'),
      JSON.stringify({
        indicators: [{ name: 'family_visits', kind: 'count', unit: 'visits', direction: 'higher_is_better', description: 'home visits by staff' }],
      }),
    );
    expect(metricDefinition('indicator.family_visits', await loadMetricCatalogues())).toMatchObject({ uncatalogued: true });
    const withState = await loadMetricCatalogues({ indicatorsDir: dir });
    expect(metricDefinition('indicator.family_visits', withState)).toMatchObject({ indicatorKind: 'count', unit: 'visits', direction: 'higher_is_better' });
    expect(metricDefinition('indicator.dropout_rate', withState)).toMatchObject({ direction: 'lower_is_better' });
  });

  it('stops start-up on a broken file or a name catalogued twice, naming the file and the field', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'broken.yaml'), 'indicators:\n  - name: Visits\n    kind: tally\n    direction: up\n    description: x\n');
    await expect(loadIndicatorCatalogue([dir])).rejects.toThrow(
      /broken\.yaml: indicators\.0\.name: expected a lower-case name.*broken\.yaml: indicators\.0\.kind: expected one of "rate", "ratio", "count"/,
    );
    await writeFile(
      join(dir, 'broken.yaml'),
      'indicators:\n  - name: dropout_rate\n    kind: rate\n    direction: higher_is_better\n    description: a second meaning\n',
    );
    await expect(loadIndicatorCatalogue([SHIPPED_INDICATORS_DIR, dir])).rejects.toThrow(
      /broken\.yaml: an indicator named 'dropout_rate' is catalogued already, in .*sig-leading-indicators\.yaml/,
    );
    await writeFile(
      join(dir, 'broken.yaml'),
      'indicators:\n  - name: visits\n    kind: count\n    direction: higher_is_better\n    description: home visits\n',
    );
    await expect(loadIndicatorCatalogue([dir])).rejects.toThrow(/broken\.yaml: indicators\.0\.unit: expected the unit a count is counted in/);
  });
});
