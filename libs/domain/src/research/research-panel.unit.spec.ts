import { testCatalogues } from '../testing/catalogues';
import { proofPointObservations } from './proof-points';
import { PanelMembership, PanelContract, researchPanel, SchoolYearMetric } from './research-panel';

const contract: PanelContract = {
  contractId: 'k1',
  partnerId: 'p1',
  clusterId: 'c1',
  zoneId: 'z1',
  schoolIds: ['S1', 'S2'],
  startYear: '2023-24',
  termYears: 3,
};
const memberships: PanelMembership[] = [
  // S1 joined the cluster a year before its contract began.
  { schoolId: 'S1', clusterId: 'c1', zoneId: 'z1', fromYear: '2022-23', untilYear: null },
  // S3 is in a zone but under no contract: neither treated nor a comparison school.
  { schoolId: 'S3', clusterId: 'c2', zoneId: 'z1', fromYear: '2022-23', untilYear: '2024-25' },
];
const catalogues = testCatalogues();
const panel = researchPanel({ metrics: ['proficiency.math', 'attendance_rate'], nMin: 10, catalogues, memberships, contracts: [contract] });

const value = (schoolYear: string, metric: string, numerator: number | null, denominator: number | null, suppressed = false): SchoolYearMetric => ({
  schoolYear,
  metric,
  numerator,
  denominator,
  suppressed,
});

describe('the research panel (docs/research.md)', () => {
  it('has exactly the columns section 10 names, each with a label and a rule', () => {
    expect(panel.columns.map((column) => column.name)).toEqual([
      'school_id',
      'district_id',
      'school_year',
      'year',
      'zone_id',
      'cluster_id',
      'partner_id',
      'contract_id',
      'contract_year',
      'treated',
      'first_treat_year',
      'gname',
      'cohort_fixest',
      'g_inf',
      'comparison',
      'proficiency_math',
      'proficiency_math_num',
      'proficiency_math_den',
      'proficiency_math_suppressed',
      'proficiency_math_small_n',
      'attendance_rate',
      'attendance_rate_num',
      'attendance_rate_den',
      'attendance_rate_suppressed',
      'attendance_rate_small_n',
    ]);
    for (const column of panel.columns) {
      expect(column.name).toMatch(/^[A-Za-z_][A-Za-z0-9_]{0,31}$/);
      expect(column.label.length).toBeGreaterThan(0);
      expect(column.label.length).toBeLessThanOrEqual(80);
      expect(column.rule.length).toBeGreaterThan(0);
    }
  });

  it('a treated school: ids and contract year as of each school year, its first treatment year on every row', () => {
    const rows = panel.rowsOfSchool({ schoolId: 'S1', districtId: 'd1' }, [
      value('2023-24', 'proficiency.math', null, null, true),
      value('2022-23', 'proficiency.math', 40, 100),
      value('2024-25', 'attendance_rate', 1710, 1800),
      value('2024-25', 'proficiency.math', 3, 8),
      // not asked for: no column, and no row of its own
      value('2021-22', 'vacancy_rate', 1, 20),
    ]);
    expect(rows).toEqual([
      {
        school_id: 'S1',
        district_id: 'd1',
        school_year: '2022-23',
        year: 2023,
        // a member of c1 before the contract: its cluster and zone, but no partner, contract or treatment
        zone_id: 'z1',
        cluster_id: 'c1',
        partner_id: null,
        contract_id: null,
        contract_year: null,
        treated: 0,
        first_treat_year: 2024,
        gname: 2024,
        cohort_fixest: 2024,
        g_inf: 2024,
        comparison: 0,
        proficiency_math: 0.4,
        proficiency_math_num: 40,
        proficiency_math_den: 100,
        proficiency_math_suppressed: 0,
        proficiency_math_small_n: 0,
        attendance_rate: null,
        attendance_rate_num: null,
        attendance_rate_den: null,
        attendance_rate_suppressed: null,
        attendance_rate_small_n: null,
      },
      {
        school_id: 'S1',
        district_id: 'd1',
        school_year: '2023-24',
        year: 2024,
        zone_id: 'z1',
        cluster_id: 'c1',
        partner_id: 'p1',
        contract_id: 'k1',
        contract_year: 1,
        treated: 1,
        first_treat_year: 2024,
        gname: 2024,
        cohort_fixest: 2024,
        g_inf: 2024,
        comparison: 0,
        // suppressed by the vendor: counts unknown, never zero
        proficiency_math: null,
        proficiency_math_num: null,
        proficiency_math_den: null,
        proficiency_math_suppressed: 1,
        proficiency_math_small_n: null,
        attendance_rate: null,
        attendance_rate_num: null,
        attendance_rate_den: null,
        attendance_rate_suppressed: null,
        attendance_rate_small_n: null,
      },
      {
        school_id: 'S1',
        district_id: 'd1',
        school_year: '2024-25',
        year: 2025,
        zone_id: 'z1',
        cluster_id: 'c1',
        partner_id: 'p1',
        contract_id: 'k1',
        contract_year: 2,
        treated: 1,
        first_treat_year: 2024,
        gname: 2024,
        cohort_fixest: 2024,
        g_inf: 2024,
        comparison: 0,
        // 8 tested is below nMin 10: the value is given, flagged
        proficiency_math: 3 / 8,
        proficiency_math_num: 3,
        proficiency_math_den: 8,
        proficiency_math_suppressed: 0,
        proficiency_math_small_n: 1,
        attendance_rate: 0.95,
        attendance_rate_num: 1710,
        attendance_rate_den: 1800,
        attendance_rate_suppressed: 0,
        attendance_rate_small_n: 0,
      },
    ]);
  });

  it('after the term ends the school is no longer treated; its cohort stays', () => {
    const [row] = panel.rowsOfSchool({ schoolId: 'S2', districtId: 'd1' }, [value('2026-27', 'proficiency.math', 5, 10)]);
    expect(row).toMatchObject({
      year: 2027,
      zone_id: null,
      cluster_id: null,
      contract_id: null,
      contract_year: null,
      treated: 0,
      first_treat_year: 2024,
      gname: 2024,
    });
  });

  it('never-treated schools carry the codings each estimator expects; only a school never in a zone is a comparison school', () => {
    const [comparison] = panel.rowsOfSchool({ schoolId: 'S9', districtId: null }, [value('2023-24', 'attendance_rate', 90, 100)]);
    expect(comparison).toMatchObject({
      district_id: null,
      zone_id: null,
      treated: 0,
      first_treat_year: null,
      gname: 0,
      cohort_fixest: 10000,
      g_inf: Infinity,
      comparison: 1,
    });
    const [inZoneUntreated] = panel.rowsOfSchool({ schoolId: 'S3', districtId: 'd2' }, [value('2023-24', 'attendance_rate', 90, 100)]);
    expect(inZoneUntreated).toMatchObject({ zone_id: 'z1', cluster_id: 'c2', treated: 0, first_treat_year: null, gname: 0, comparison: 0 });
  });

  it("shortens a metric name past Stata's 32 characters the same way every time, one stem for all its columns", () => {
    // the label says what the value is: the indicator catalogue given says it is a rate
    const withRate = testCatalogues([
      { name: 'advanced_coursework_rate', kind: 'rate', direction: 'higher_is_better', description: 'advanced coursework completed / enrolled' },
    ]);
    const long = researchPanel({ metrics: ['indicator.advanced_coursework_rate'], nMin: 10, catalogues: withRate, memberships: [], contracts: [] });
    const [columns] = long.metricColumns;
    const stem = columns.value;
    // 'indicator_advanced_coursework_rate' is 34 characters; the stem leaves room for '_suppressed'.
    expect(stem).toMatch(/^indicator_advanc_[0-9a-f]{4}$/);
    expect([columns.numerator, columns.denominator, columns.suppressed, columns.smallN]).toEqual([
      `${stem}_num`,
      `${stem}_den`,
      `${stem}_suppressed`,
      `${stem}_small_n`,
    ]);
    expect(
      researchPanel({ metrics: ['indicator.advanced_coursework_rate'], nMin: 10, catalogues: withRate, memberships: [], contracts: [] }).metricColumns[0].value,
    ).toBe(stem);
    expect(long.columns.find((column) => column.name === stem)?.label).toBe('indicator.advanced_coursework_rate (rate, 0 to 1)');
  });

  it('refuses what it cannot build, naming the field', () => {
    expect(() => researchPanel({ metrics: ['proficiency'], nMin: 10, catalogues, memberships: [], contracts: [] })).toThrow(
      "metrics.0: 'proficiency' is not a metric",
    );
    expect(() =>
      researchPanel({ metrics: ['attendance_rate'], nMin: 10, catalogues, memberships: [], contracts: [{ ...contract, startYear: '2023' }] }),
    ).toThrow('contracts.0.startYear: expected a school year such as "2024-25", got \'2023\'');
    expect(() =>
      panel.rowsOfSchool({ schoolId: 'S1', districtId: null }, [value('2023-24', 'attendance_rate', 1, 2), value('2023-24', 'attendance_rate', 1, 2)]),
    ).toThrow('row 2: metric: school S1 has attendance_rate twice in 2023-24');
  });

  it('narrows its rows to one metric for the proof-point statistics', () => {
    const rows = [
      ...panel.rowsOfSchool({ schoolId: 'S1', districtId: 'd1' }, [value('2022-23', 'proficiency.math', 40, 100)]),
      ...panel.rowsOfSchool({ schoolId: 'S9', districtId: null }, [value('2022-23', 'proficiency.math', 30, 50)]),
    ];
    expect(proofPointObservations(panel, rows, 'proficiency.math')).toEqual([
      { schoolId: 'S1', year: 2023, firstTreatYear: 2024, comparison: false, zoneId: 'z1', clusterId: 'c1', partnerId: null, value: 0.4, n: 100 },
      { schoolId: 'S9', year: 2023, firstTreatYear: null, comparison: true, zoneId: null, clusterId: null, partnerId: null, value: 0.6, n: 50 },
    ]);
  });
});
