import { ValidationError } from '../errors';
import { MINIMUM_SCHOOLS, ProofPointObservation, proofPoints } from './proof-points';

/** A school's values by year; a year left out is a year the school did not report. */
function school(
  schoolId: string,
  firstTreatYear: number | null,
  values: Record<number, number>,
  ids: { zoneId?: string; clusterId?: string; partnerId?: string; n?: Record<number, number> } = {},
): ProofPointObservation[] {
  return Object.entries(values).map(([year, value]) => ({
    schoolId,
    year: Number(year),
    firstTreatYear,
    comparison: firstTreatYear === null,
    zoneId: firstTreatYear === null ? null : (ids.zoneId ?? 'z1'),
    clusterId: firstTreatYear === null ? null : (ids.clusterId ?? null),
    partnerId: firstTreatYear === null ? null : (ids.partnerId ?? null),
    value,
    n: ids.n?.[Number(year)] ?? 100,
  }));
}

/**
 * Two cohorts in one zone and three comparison schools (values in percentage points):
 *   cohort 2023 (baseline 2022): A1, A2, and A3 which reported 2022 and 2023 only;
 *   cohort 2024 (baseline 2023): B1;
 *   comparison: C1, C2, and C3 which did not report 2022.
 */
const staggered: ProofPointObservation[] = [
  ...school('A1', 2023, { 2021: 30, 2022: 32, 2023: 40, 2024: 46 }, { clusterId: 'c-a' }),
  ...school('A2', 2023, { 2021: 20, 2022: 24, 2023: 30, 2024: 36 }, { clusterId: 'c-a' }),
  ...school('A3', 2023, { 2022: 50, 2023: 56 }, { clusterId: 'c-a' }),
  ...school('B1', 2024, { 2021: 50, 2022: 50, 2023: 52, 2024: 60 }, { clusterId: 'c-b' }),
  ...school('C1', null, { 2021: 40, 2022: 41, 2023: 43, 2024: 44 }),
  ...school('C2', null, { 2021: 10, 2022: 13, 2023: 14, 2024: 18 }),
  ...school('C3', null, { 2021: 60, 2023: 62, 2024: 65 }),
];

describe('proof-point statistics (docs/research.md)', () => {
  it("a single cohort: gain over baseline, the 2x2 difference in differences and Hedges' g, each with its schools and years", () => {
    const result = proofPoints(staggered, { groupBy: 'cluster' });
    const clusterA = result.groups.find((group) => group.groupId === 'c-a');
    const first = clusterA?.baselineComparisons.find((cell) => cell.year === 2023);

    // Gains 2022 -> 2023: A1 40-32 = 8, A2 30-24 = 6, A3 56-50 = 6; mean 20/3.
    expect(first?.treatedGain.value).toBeCloseTo(20 / 3, 12);
    // Comparison over the same years: C1 43-41 = 2, C2 14-13 = 1; C3 has no 2022 and does not count. Mean 1.5.
    expect(first?.comparisonGain.value).toBeCloseTo(1.5, 12);
    // 2x2 DiD: 20/3 - 3/2 = 31/6.
    expect(first?.differenceInDifferences.value).toBeCloseTo(31 / 6, 12);
    expect(first?.schools).toEqual({ treated: 3, comparison: 2 });
    expect(first?.years).toEqual([2022, 2023]);
    // Hedges' g: treated variance ((8-20/3)^2 + 2 (6-20/3)^2) / 2 = (16/9 + 8/9) / 2 = 4/3;
    // comparison variance (0.5^2 + 0.5^2) / 1 = 1/2; pooled (2 x 4/3 + 1 x 1/2) / (3 + 2 - 2) = 19/18;
    // d = (31/6) / sqrt(19/18); J = 1 - 3 / (4 x 5 - 9) = 8/11.
    expect(first?.hedgesG?.value).toBeCloseTo((8 / 11) * (31 / 6 / Math.sqrt(19 / 18)), 12);

    // 2022 -> 2024: A3 has no 2024, so A1 46-32 = 14, A2 36-24 = 12: mean 13; C1 3, C2 5: mean 4; DiD 9.
    const second = clusterA?.baselineComparisons.find((cell) => cell.year === 2024);
    expect(second?.treatedGain.value).toBeCloseTo(13, 12);
    expect(second?.comparisonGain.value).toBeCloseTo(4, 12);
    expect(second?.differenceInDifferences.value).toBeCloseTo(9, 12);
    expect(second?.schools).toEqual({ treated: 2, comparison: 2 });
    expect(second?.eventTime).toBe(1);
  });

  it('a staggered panel: ATT(g, t) for two cohorts, their event-time effects weighted by cohort size, and the overall effect', () => {
    const [zone] = proofPoints(staggered, { groupBy: 'zone' }).groups;
    expect(zone.groupId).toBe('z1');
    expect(zone.cohorts).toEqual([
      { firstTreatYear: 2023, schools: 3 },
      { firstTreatYear: 2024, schools: 1 },
    ]);
    expect(zone.comparisonSchools).toBe(3);

    const att = Object.fromEntries(zone.groupTime.map((cell) => [`${cell.cohort}/${cell.year}`, cell]));
    // Cohort 2023, post periods against 2022: 31/6 (2023) and 9 (2024), as above.
    expect(att['2023/2023'].att.value).toBeCloseTo(31 / 6, 12);
    expect(att['2023/2024'].att.value).toBeCloseTo(9, 12);
    // Cohort 2023, pre period 2022 against 2021 (R did's varying base): A1 2, A2 4 (A3 has no
    // 2021): mean 3; C1 1, C2 3: mean 2; placebo ATT 1.
    expect(att['2023/2022'].att.value).toBeCloseTo(1, 12);
    expect(att['2023/2022'].baseYear).toBe(2021);
    // 2021 has no year before it in the panel: no cell.
    expect(att['2023/2021']).toBeUndefined();
    // Cohort 2024 against 2023: B1 60-52 = 8; C1 1, C2 4, C3 3 (C3 has both years): mean 8/3.
    expect(att['2024/2024'].att.value).toBeCloseTo(8 - 8 / 3, 12);
    expect(att['2024/2024'].schools).toEqual({ treated: 1, comparison: 3 });
    // Its pre periods: 2023 against 2022: B1 2; C1 2, C2 1: 1.5; ATT 0.5. 2022 against 2021: B1 0; C1 1, C2 3: 2; ATT -2.
    expect(att['2024/2023'].att.value).toBeCloseTo(0.5, 12);
    expect(att['2024/2022'].att.value).toBeCloseTo(-2, 12);

    const byEvent = Object.fromEntries(zone.eventTime.map((effect) => [effect.eventTime, effect]));
    // e = 0: (3 x 31/6 + 1 x 16/3) / (3 + 1) = (93/6 + 32/6) / 4 = 125/24.
    expect(byEvent[0].att.value).toBeCloseTo(125 / 24, 12);
    expect(byEvent[0].cohorts).toEqual([2023, 2024]);
    expect(byEvent[0].schools).toEqual({ treated: 4, comparison: 3 });
    expect(byEvent[0].years).toEqual([2022, 2023, 2024]);
    // e = 1: only cohort 2023 reaches it: 9.
    expect(byEvent[1].att.value).toBeCloseTo(9, 12);
    expect(byEvent[1].cohorts).toEqual([2023]);
    // e = -1: (3 x 1 + 1 x 0.5) / 4 = 0.875; e = -2: cohort 2024 alone, -2.
    expect(byEvent[-1].att.value).toBeCloseTo(0.875, 12);
    expect(byEvent[-2].att.value).toBeCloseTo(-2, 12);
    // Overall, e >= 0: (125/24 + 9) / 2 = 341/48.
    expect(zone.overall?.att.value).toBeCloseTo(341 / 48, 12);
    expect(zone.overall?.eventTimes).toEqual([0, 1]);
    expect(zone.overall?.schools).toEqual({ treated: 4, comparison: 3 });
  });

  it("groups by cohort: the cohort's first treatment year names the group", () => {
    const result = proofPoints(staggered, { groupBy: 'cohort' });
    expect(result.groups.map((group) => group.groupId)).toEqual(['2023', '2024']);
    expect(result.groups[1].overall?.att.value).toBeCloseTo(8 - 8 / 3, 12);
  });

  it("weights=n weights each school's change by its denominator in the base year", () => {
    const panel = [
      ...school('T1', 2024, { 2023: 50, 2024: 58 }, { n: { 2023: 10, 2024: 99 } }),
      ...school('T2', 2024, { 2023: 50, 2024: 54 }, { n: { 2023: 30, 2024: 1 } }),
      ...school('K1', null, { 2023: 40, 2024: 41 }, { n: { 2023: 20, 2024: 20 } }),
      ...school('K2', null, { 2023: 40, 2024: 43 }, { n: { 2023: 60, 2024: 60 } }),
    ];
    const weighted = proofPoints(panel, { groupBy: 'zone', weights: 'n' }).groups[0].baselineComparisons[0];
    // Treated (10 x 8 + 30 x 4) / 40 = 5; comparison (20 x 1 + 60 x 3) / 80 = 2.5; DiD 2.5.
    expect(weighted.treatedGain.value).toBeCloseTo(5, 12);
    expect(weighted.comparisonGain.value).toBeCloseTo(2.5, 12);
    expect(weighted.differenceInDifferences.value).toBeCloseTo(2.5, 12);
    // Unweighted: (8 + 4) / 2 = 6 and (1 + 3) / 2 = 2.
    const unweighted = proofPoints(panel, { groupBy: 'zone' }).groups[0].baselineComparisons[0];
    expect(unweighted.differenceInDifferences.value).toBeCloseTo(4, 12);
  });

  it('the bootstrap is repeatable: the same seed gives the same errors and intervals whatever the order of the rows', () => {
    const first = proofPoints(staggered, { groupBy: 'zone', seed: 42 });
    const again = proofPoints([...staggered].reverse(), { groupBy: 'zone', seed: 42 });
    expect(again).toEqual(first);
    const other = proofPoints(staggered, { groupBy: 'zone', seed: 43 });
    expect(other.groups[0].overall?.att.standardError).not.toEqual(first.groups[0].overall?.att.standardError);

    const overall = first.groups[0].overall?.att;
    expect(first.draws).toBe(999);
    expect(overall?.standardError).toBeGreaterThan(0);
    expect(overall?.ci95?.lower).toBeLessThanOrEqual(overall?.value ?? NaN);
    expect(overall?.ci95?.upper).toBeGreaterThanOrEqual(overall?.value ?? NaN);
  });

  it('a draw whose resampled schools all lack a year is left out of that figure alone', () => {
    const [clusterA] = proofPoints(staggered, { groupBy: 'cluster' }).groups;
    // Every school of cluster c-a has 2022 and 2023; C3 has no 2022, so a draw of C3 three
    // times (chance (1/3)^3) has no comparison gain over those years.
    const early = clusterA.baselineComparisons.find((cell) => cell.year === 2023);
    expect(early?.treatedGain.draws).toBe(999);
    expect(early?.comparisonGain.draws).toBeLessThan(999);
    expect(early?.differenceInDifferences.draws).toBe(early?.comparisonGain.draws);
    // A3 has no 2024 either: 2022 -> 2024 also loses the draws of A3 alone.
    const late = clusterA.baselineComparisons.find((cell) => cell.year === 2024);
    expect(late?.treatedGain.draws).toBeLessThan(999);
    expect(late?.differenceInDifferences.draws).toBeLessThan(early?.differenceInDifferences.draws ?? 0);
  });

  it('the bootstrap of a panel whose gains do not vary has no error: every draw gives the same figure', () => {
    const panel = [
      ...school('T1', 2024, { 2023: 10, 2024: 15 }),
      ...school('T2', 2024, { 2023: 20, 2024: 25 }),
      ...school('K1', null, { 2023: 30, 2024: 31 }),
      ...school('K2', null, { 2023: 40, 2024: 41 }),
    ];
    const [cell] = proofPoints(panel, { groupBy: 'zone' }).groups[0].baselineComparisons;
    expect(cell.differenceInDifferences).toEqual({
      value: 4,
      standardError: 0,
      ci95: { lower: 4, upper: 4 },
      draws: 999,
      insufficient: null,
      intervalInsufficient: { needed: 10, have: 2 },
    });
    // Gains 5, 5 against 1, 1: no spread to standardise by.
    expect(cell.hedgesG).toBeNull();
  });

  it("states the minimum schools of each figure: 2 a side for a figure and for Hedges' g, 10 a side for a bootstrap interval", () => {
    expect(MINIMUM_SCHOOLS).toEqual({ gain: 2, differenceInDifferences: 2, att: 2, hedgesG: 2, interval: 10 });
  });

  it('one comparison school: the figures that count it are given, flagged with the minimum and the one school they had', () => {
    const panel = [
      ...school('T1', 2024, { 2023: 50, 2024: 58 }),
      ...school('T2', 2024, { 2023: 50, 2024: 54 }),
      ...school('T3', 2024, { 2023: 40, 2024: 46 }),
      ...school('K1', null, { 2023: 30, 2024: 31 }),
    ];
    const [zone] = proofPoints(panel, { groupBy: 'zone' }).groups;
    const [cell] = zone.baselineComparisons;
    expect(cell.schools).toEqual({ treated: 3, comparison: 1 });
    // Treated gains 8, 4, 6: mean 6, from three schools, enough for a gain, not for an interval.
    expect(cell.treatedGain).toMatchObject({ value: 6, insufficient: null, intervalInsufficient: { needed: 10, have: 3 } });
    // The comparison gain is K1's own: 1.
    expect(cell.comparisonGain).toMatchObject({ value: 1, insufficient: { needed: 2, have: 1 }, intervalInsufficient: { needed: 10, have: 1 } });
    // Every draw resamples K1 alone: the interval of the comparison gain is a point, flagged, not a certainty.
    expect(cell.comparisonGain).toMatchObject({ standardError: 0, ci95: { lower: 1, upper: 1 } });
    expect(cell.differenceInDifferences).toMatchObject({ value: 5, insufficient: { needed: 2, have: 1 }, intervalInsufficient: { needed: 10, have: 1 } });
    // Hedges' g: treated variance ((8-6)^2 + (4-6)^2 + 0) / 2 = 4; K1 adds no spread; pooled
    // sqrt((2 x 4 + 0) / (3 + 1 - 2)) = 2; d = 5 / 2; J = 1 - 3 / (4 x 4 - 9) = 4/7; g = 10/7.
    expect(cell.hedgesG?.value).toBeCloseTo(10 / 7, 12);
    expect(cell.hedgesG).toMatchObject({ insufficient: { needed: 2, have: 1 }, intervalInsufficient: { needed: 10, have: 1 } });
    expect(zone.groupTime[0].att).toMatchObject({ value: 5, insufficient: { needed: 2, have: 1 } });
    expect(zone.eventTime[0].att).toMatchObject({ value: 5, insufficient: { needed: 2, have: 1 } });
    expect(zone.overall?.att).toMatchObject({ value: 5, insufficient: { needed: 2, have: 1 } });
  });

  it("gains equal but for rounding have no spread: Hedges' g is null, not a number in the millions", () => {
    // 0.51 - 0.45, 0.61 - 0.55 and 0.41 - 0.35 are each 0.06 but for their last bits: their
    // variance from the moments is about 6e-19, and g was 0.03 / 8e-10.
    const panel = [
      ...school('T1', 2024, { 2023: 0.45, 2024: 0.51 }),
      ...school('T2', 2024, { 2023: 0.55, 2024: 0.61 }),
      ...school('T3', 2024, { 2023: 0.35, 2024: 0.41 }),
      ...school('K1', null, { 2023: 0.4, 2024: 0.43 }),
    ];
    const [cell] = proofPoints(panel, { groupBy: 'zone' }).groups[0].baselineComparisons;
    expect(cell.differenceInDifferences.value).toBeCloseTo(0.03, 12);
    expect(cell.hedgesG).toBeNull();
    // With two comparison schools of the same gain, still no spread on either side.
    const two = [...panel, ...school('K2', null, { 2023: 0.2, 2024: 0.23 })];
    expect(proofPoints(two, { groupBy: 'zone' }).groups[0].baselineComparisons[0].hedgesG).toBeNull();
  });

  it('exactly the minimum: two schools a side give unflagged figures with a flagged interval; ten a side give both unflagged', () => {
    const two = [
      ...school('T1', 2024, { 2023: 50, 2024: 58 }),
      ...school('T2', 2024, { 2023: 50, 2024: 54 }),
      ...school('K1', null, { 2023: 30, 2024: 31 }),
      ...school('K2', null, { 2023: 30, 2024: 33 }),
    ];
    const [cell] = proofPoints(two, { groupBy: 'zone' }).groups[0].baselineComparisons;
    // Gains 8, 4 (mean 6, variance 8) against 1, 3 (mean 2, variance 2): DiD 4.
    expect(cell.differenceInDifferences).toMatchObject({ value: 4, insufficient: null, intervalInsufficient: { needed: 10, have: 2 } });
    expect(cell.treatedGain.insufficient).toBeNull();
    expect(cell.comparisonGain.insufficient).toBeNull();
    // Pooled sqrt((8 + 2) / 2) = sqrt(5); d = 4 / sqrt(5); J = 1 - 3 / (4 x 4 - 9) = 4/7.
    expect(cell.hedgesG?.value).toBeCloseTo((4 / 7) * (4 / Math.sqrt(5)), 12);
    expect(cell.hedgesG).toMatchObject({ insufficient: null, intervalInsufficient: { needed: 10, have: 2 } });

    // Ten treated schools gaining 1 to 10 and ten comparison schools gaining 0 to 9: DiD 1.
    const ten = Array.from({ length: 10 }, (_, i) => [
      ...school(`T${i}`, 2024, { 2023: 50, 2024: 51 + i }),
      ...school(`K${i}`, null, { 2023: 30, 2024: 30 + i }),
    ]).flat();
    const [enough] = proofPoints(ten, { groupBy: 'zone' }).groups[0].baselineComparisons;
    expect(enough.schools).toEqual({ treated: 10, comparison: 10 });
    expect(enough.differenceInDifferences).toMatchObject({ value: 1, insufficient: null, intervalInsufficient: null });
    expect(enough.differenceInDifferences.ci95).not.toBeNull();
    // Both sides vary alike (variance 55/6), so g = J x 1 / sqrt(55/6), J = 1 - 3 / (4 x 20 - 9) = 68/71.
    expect(enough.hedgesG?.value).toBeCloseTo(68 / 71 / Math.sqrt(55 / 6), 12);
    expect(enough.hedgesG).toMatchObject({ insufficient: null, intervalInsufficient: null });
    // One comparison school fewer and the interval is flagged again: 9 < 10.
    const nine = ten.filter((row) => row.schoolId !== 'K9');
    expect(proofPoints(nine, { groupBy: 'zone' }).groups[0].baselineComparisons[0].differenceInDifferences.intervalInsufficient).toEqual({
      needed: 10,
      have: 9,
    });
  });

  it('a cohort of one school: its ATT(g, t) is flagged, and so is an aggregation it alone reaches, not one it shares', () => {
    const [zone] = proofPoints(staggered, { groupBy: 'zone' }).groups;
    const att = Object.fromEntries(zone.groupTime.map((cell) => [`${cell.cohort}/${cell.year}`, cell.att]));
    // Cohort 2024 is B1 alone.
    expect(att['2024/2024'].insufficient).toEqual({ needed: 2, have: 1 });
    expect(att['2023/2023'].insufficient).toBeNull();
    const byEvent = Object.fromEntries(zone.eventTime.map((effect) => [effect.eventTime, effect.att]));
    // e = 0 counts A1, A2, A3 and B1; e = -2 is cohort 2024's alone.
    expect(byEvent[0].insufficient).toBeNull();
    expect(byEvent[-2].insufficient).toEqual({ needed: 2, have: 1 });
    expect(zone.overall?.att.insufficient).toBeNull();
    // Four treated and three comparison schools: no interval of this zone has enough.
    expect(zone.overall?.att.intervalInsufficient).toEqual({ needed: 10, have: 3 });
  });

  it('refuses rows that contradict themselves, naming the row and the field', () => {
    const twice = [...school('C1', null, { 2023: 1 }), ...school('C1', null, { 2023: 2 })];
    expect(() => proofPoints(twice, { groupBy: 'zone' })).toThrow(ValidationError);
    expect(() => proofPoints(twice, { groupBy: 'zone' })).toThrow('row 2: year: school C1 has two rows for 2023');
    const treatedComparison = [{ ...school('C1', 2024, { 2023: 1 })[0], comparison: true }];
    expect(() => proofPoints(treatedComparison, { groupBy: 'zone' })).toThrow('row 1: comparison: school C1 is a comparison school yet first treated in 2024');
    expect(() => proofPoints(staggered, { groupBy: 'district' as 'zone' })).toThrow("groupBy: expected cluster, zone, partner or cohort, got 'district'");
    expect(() => proofPoints(staggered, { groupBy: 'zone', draws: 1 })).toThrow('draws: expected a whole number of at least 2, got 1');
  });
});
