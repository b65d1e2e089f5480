import { createHash } from 'node:crypto';
import { endCalendarYear, naturalKeyOf, ProofPointObservation, proofPoints, validateFeedRecord } from '@turnaround/domain';
import { testCatalogues } from '@turnaround/domain/testing';
import { STATE_TREATMENT_EFFECT, stateDataset } from './state-dataset';

const digest = (dataset: ReturnType<typeof stateDataset>) => {
  const hash = createHash('sha256').update(JSON.stringify(dataset.registry));
  for (const push of dataset.pushes()) hash.update(JSON.stringify(push));
  return hash.digest('hex');
};

describe('the state-sized bench dataset', () => {
  it('is the same for the same seed and different for another', () => {
    expect(digest(stateDataset({ schools: 60 }))).toBe(digest(stateDataset({ schools: 60 })));
    expect(digest(stateDataset({ schools: 60, seed: 7 }))).not.toBe(digest(stateDataset({ schools: 60 })));
  });

  it('has only records the feeds accept, as many as it says, with no natural key twice', () => {
    const dataset = stateDataset({ schools: 60 });
    const pushes = [...dataset.pushes()];
    const records = pushes.flatMap((push) =>
      push.records.map((record, index) => ({ kind: push.kind, outcome: validateFeedRecord(push.kind, record, index + 1, testCatalogues().indicators) })),
    );
    expect(records.filter(({ outcome }) => outcome.kind !== 'record').slice(0, 3)).toEqual([]);
    expect(records).toHaveLength(dataset.recordCount);
    expect(dataset.recordCount).toBe(60 * 4 * 124);
    const keys = new Set(records.map(({ kind, outcome }) => (outcome.kind === 'record' ? `${kind}|${naturalKeyOf(kind, outcome.record)}` : '')));
    expect(keys.size).toBe(dataset.recordCount);
  });

  it('puts 48 schools into 3 zones of 4 clusters of 4 under 3-year contracts, and registers every school', () => {
    const { registry } = stateDataset();
    expect(registry.zones).toHaveLength(3);
    expect(registry.clusters).toHaveLength(12);
    expect(registry.assignments).toHaveLength(48);
    expect(registry.contracts).toHaveLength(12);
    expect(registry.schools).toHaveLength(1_800);
  });
});

describe('the state-sized dataset as a research panel', () => {
  it('gives comparison schools and a treatment effect the proof points recover: STATE_TREATMENT_EFFECT on math, within the 95% interval', () => {
    const dataset = stateDataset({ schools: 400 });
    const zone = new Set(dataset.registry.assignments.map((assignment) => assignment.schoolId));
    // The spring state test, all grades and all students: the rows proficiency.math is made of.
    const observations: ProofPointObservation[] = [...dataset.pushes()]
      .filter((push) => push.label.endsWith('state test results'))
      .flatMap((push) => push.records)
      .filter((record) => record.subject === 'math' && record.grade === 'all' && record.studentGroup === 'all')
      .map((record) => ({
        schoolId: String(record.schoolId),
        year: endCalendarYear(String(record.schoolYear)),
        firstTreatYear: zone.has(String(record.schoolId)) ? 2024 : null,
        comparison: !zone.has(String(record.schoolId)),
        zoneId: zone.has(String(record.schoolId)) ? 'SZ' : null,
        clusterId: null,
        partnerId: null,
        value: Number(record.proficient) / Number(record.tested),
        n: Number(record.tested),
      }));
    expect(new Set(observations.filter((row) => row.comparison).map((row) => row.schoolId)).size).toBe(400 - 48);
    const [group] = proofPoints(observations, { groupBy: 'zone', draws: 199 }).groups;
    const overall = group.overall?.att;
    expect(overall?.ci95?.lower).toBeLessThan(STATE_TREATMENT_EFFECT);
    expect(overall?.ci95?.upper).toBeGreaterThan(STATE_TREATMENT_EFFECT);
    expect(Math.abs((overall?.value ?? 0) - STATE_TREATMENT_EFFECT)).toBeLessThan(0.01);
  });
});
