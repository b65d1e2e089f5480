import { addSchoolYears, FeedKind, startCalendarYear } from '@turnaround/domain';
import { attendanceMonth, gradeRows, staffingReport } from './feed-builders';

/**
 * A generated, deterministic Partnership Zone (`turnaround demo`): 2 districts, 3 clusters,
 * 12 schools (one joins in contract year 2), 3 Lead Partners with 3-year contracts from
 * 2023-24, a baseline year and three contract years of assessment, attendance and staffing
 * feeds, and 20 non-zone schools as the comparison group. Each zone school follows a
 * storyline, so the scorecards show every status and the alerts every kind. Science carries a
 * treatment effect of known size for researchers (DEMO_SCIENCE_EFFECT).
 */

const BASELINE = '2022-23';
const START = '2023-24';
const YEARS = [BASELINE, START, addSchoolYears(START, 1), addSchoolYears(START, 2)];

/** Math proficiency over the school's baseline, by contract year, and where the winter interim stands. */
type Storyline = 'meets' | 'recovers' | 'misses_y1' | 'misses_y2' | 'misses_y3' | 'misses_y1_y2';
const GAIN: Record<Storyline, [number, number, number]> = {
  meets: [0.05, 0.08, 0.12],
  recovers: [0.05, 0.08, 0.12],
  misses_y1: [0.01, 0.08, 0.12],
  misses_y2: [0.05, 0.04, 0.12],
  misses_y3: [0.05, 0.08, 0.07],
  misses_y1_y2: [0.01, 0.03, 0.12],
};

interface DemoSchool {
  schoolId: string;
  name: string;
  districtId: string;
  clusterId: string;
  fromYear: string;
  storyline: Storyline;
  /** Baseline math proficiency. */
  base: number;
}

const CLUSTERS = [
  { clusterId: 'C-RIVER', name: 'Riverside feeder pattern', districtId: 'D-EAST', partnerId: 'P-RENEW', partner: 'Renew Schools Partnership' },
  { clusterId: 'C-HILL', name: 'Hillcrest feeder pattern', districtId: 'D-EAST', partnerId: 'P-HILLTOP', partner: 'Hilltop Learning Collaborative' },
  { clusterId: 'C-VALLEY', name: 'Valley feeder pattern', districtId: 'D-WEST', partnerId: 'P-VALLEY', partner: 'Valley Schools Network' },
];
const STORYLINES: Storyline[][] = [
  ['meets', 'recovers', 'meets', 'misses_y1'],
  ['misses_y2', 'meets', 'recovers', 'meets'],
  ['misses_y3', 'misses_y1_y2', 'misses_y2', 'meets'],
];

export const DEMO_SCHOOLS: DemoSchool[] = CLUSTERS.flatMap((cluster, c) =>
  STORYLINES[c].map((storyline, s) => ({
    schoolId: `${cluster.clusterId.slice(2)}-${s + 1}`,
    name: `${cluster.name.split(' ')[0]} ${['High', 'Middle', 'Elementary', 'Academy'][s]} School`,
    districtId: cluster.districtId,
    clusterId: cluster.clusterId,
    // Hillcrest Academy joins its cluster in contract year 2.
    fromYear: cluster.clusterId === 'C-HILL' && s === 3 ? addSchoolYears(START, 1) : START,
    storyline,
    base: 0.18 + 0.03 * ((c * 4 + s) % 4),
  })),
);

const COMPARISON = Array.from({ length: 20 }, (_, n) => ({ schoolId: `N-${String(n + 1).padStart(2, '0')}`, base: 0.36 + 0.01 * n }));

/**
 * The treatment effect a researcher can check (`turnaround analyze --metric proficiency.science`):
 * from the first contract year (2023-24) on, every zone school's science proficiency is exactly
 * this much above where its own trend would have put it, and the comparison schools follow
 * their trends. Every school rises 1 point a year, give or take a slope of its own (the slopes
 * average to zero in each group), from 2021-22, a year before the baseline, so the pre-period
 * placebo ATT(2024, 2023) is 0. So ATT(2024, t) = 0.06 for t = 2024, 2025, 2026, and so is the
 * overall effect; the treated gain of 2026 over 2023 is 0.09 against the comparison's 0.03.
 * Science is the state test's one all-grades row of 400 students, and every rate is a multiple of
 * 1/400, so the counts hold the rates exactly.
 */
export const DEMO_SCIENCE_EFFECT = 0.06;
const SCIENCE_YEARS = [addSchoolYears(BASELINE, -1), ...YEARS];
const SCIENCE_TESTED = 400;
/** Each school's own yearly slope around the common 1 point: zero on average among the zone's 4 schools of a cluster, and among each 5 comparison schools. */
const ZONE_SLOPES = [-0.005, -0.0025, 0.0025, 0.005];
const COMPARISON_SLOPES = [-0.005, -0.0025, 0, 0.0025, 0.005];

export interface DemoRegistry {
  zones: unknown[];
  clusters: unknown[];
  schools: unknown[];
  assignments: { schoolId: string; body: unknown }[];
  partners: unknown[];
  contracts: unknown[];
}

export function demoRegistry(): DemoRegistry {
  return {
    zones: [{ zoneId: 'Z-DEMO', stateCode: 'MA', name: 'Demonstration Partnership Zone', districtIds: ['D-EAST', 'D-WEST'] }],
    clusters: CLUSTERS.map(({ clusterId, name }) => ({ clusterId, zoneId: 'Z-DEMO', name })),
    schools: DEMO_SCHOOLS.map(({ schoolId, districtId, name }) => ({ schoolId, districtId, name, gradeSpan: '03-08' })),
    assignments: DEMO_SCHOOLS.map(({ schoolId, clusterId, fromYear }) => ({ schoolId, body: { clusterId, fromYear, strategy: 'transformation' } })),
    partners: CLUSTERS.map(({ partnerId, partner }) => ({ partnerId, name: partner, role: 'lead' })),
    contracts: CLUSTERS.map(({ clusterId, partnerId }) => ({
      contractId: `K-${clusterId.slice(2)}`,
      partnerId,
      clusterId,
      schoolIds: DEMO_SCHOOLS.filter((school) => school.clusterId === clusterId).map((school) => school.schoolId),
      governance: 'district_lead_partner',
      startYear: START,
      termYears: 3,
      baselineYear: BASELINE,
      targets: [
        ...[0.03, 0.06, 0.1].map((value, index) => ({ metric: 'proficiency.math', contractYear: index + 1, kind: 'gain', value, scope: 'school' })),
        ...[1, 2, 3].map((contractYear) => ({ metric: 'attendance_rate', contractYear, kind: 'absolute', value: 0.92, scope: 'school' })),
        { metric: 'teacher_retention_rate', contractYear: 1, kind: 'absolute', value: 0.75, scope: 'cluster' },
        { metric: 'proficiency.ela', contractYear: 3, kind: 'gap_closure', value: 0.3, scope: 'cluster', goal: 'stateAverage' },
      ],
    })),
  };
}

/** One push of a data team, in the order they arrive over the years. */
export interface DemoPush {
  label: string;
  kind: FeedKind;
  records: Record<string, unknown>[];
}

/** A push of the demo zone, with the date the data team pushes it in the history the demo simulates. */
export interface DatedPush extends DemoPush {
  knownAt: string;
}

/** When the state office enters the zone, its schools, partners and contracts: the spring before the first contract year. */
export const DEMO_REGISTERED_AT = `${startCalendarYear(START)}-05-01T12:00:00.000Z`;

/**
 * The feeds, in the order and on the dates a data team would push them: the science results of
 * the year before the baseline; then in each year the October staffing, the winter interims
 * (in February) and attendance to March (in April), the June staffing, the last attendance and
 * the state test results in July.
 */
export function demoFeeds(): DatedPush[] {
  const on = (year: string, month: number, day: number) => {
    const calendarYear = startCalendarYear(year) + (month < 7 ? 1 : 0);
    return `${calendarYear}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T12:00:00.000Z`;
  };
  const pushes: DatedPush[] = [
    { label: `${SCIENCE_YEARS[0]} state test results (science)`, kind: 'assessment', records: science(SCIENCE_YEARS[0]), knownAt: on(SCIENCE_YEARS[1], 7, 20) },
  ];
  for (const [index, year] of YEARS.entries()) {
    const contractYear = index; // 0 is the baseline year
    const next = addSchoolYears(year, 1);
    pushes.push({
      label: `${year} October staffing`,
      kind: 'staffing',
      records: staffing(year, `${startCalendarYear(year)}-10-01`),
      knownAt: on(year, 10, 20),
    });
    if (contractYear > 0) {
      pushes.push({ label: `${year} fall and winter interims`, kind: 'assessment', records: interims(year, contractYear), knownAt: on(year, 2, 15) });
      pushes.push({
        label: `${year} attendance, September to March`,
        kind: 'attendance',
        records: attendance(year, contractYear, [9, 10, 11, 12, 1, 2, 3]),
        knownAt: on(year, 4, 10),
      });
    }
    pushes.push({
      label: `${year} June staffing`,
      kind: 'staffing',
      records: staffing(year, `${startCalendarYear(year) + 1}-06-15`),
      knownAt: on(year, 6, 20),
    });
    pushes.push({
      label: `${year} attendance, ${contractYear > 0 ? 'April' : 'September'} to June`,
      kind: 'attendance',
      records: attendance(year, contractYear, contractYear > 0 ? [4, 5, 6] : [9, 10, 11, 12, 1, 2, 3, 4, 5, 6]),
      knownAt: on(next, 7, 10),
    });
    pushes.push({ label: `${year} state test results`, kind: 'assessment', records: finals(year, contractYear), knownAt: on(next, 7, 20) });
  }
  return pushes;
}

function mathRate(school: DemoSchool, contractYear: number): number {
  return contractYear === 0 ? school.base : school.base + GAIN[school.storyline][contractYear - 1];
}

function elaRate(school: { base: number; storyline?: Storyline }, contractYear: number): number {
  const gain = school.storyline === undefined ? 0.01 * contractYear : school.storyline === 'meets' ? 0.04 * contractYear : 0.025 * contractYear;
  return school.base + 0.05 + gain;
}

function finals(year: string, contractYear: number) {
  const rows: Record<string, unknown>[] = [];
  for (const school of DEMO_SCHOOLS) {
    rows.push(...gradeRows(school.schoolId, year, 'math', mathRate(school, contractYear), { suppressSmall: school.schoolId.endsWith('-3') }));
    rows.push(...gradeRows(school.schoolId, year, 'ela', elaRate(school, contractYear)));
  }
  for (const school of COMPARISON) {
    rows.push(...gradeRows(school.schoolId, year, 'math', school.base + 0.005 * contractYear));
    rows.push(...gradeRows(school.schoolId, year, 'ela', elaRate(school, contractYear)));
  }
  return [...rows, ...science(year)];
}

/** Science, all grades: each school's trend, plus DEMO_SCIENCE_EFFECT for a zone school from the first contract year on. */
function science(year: string) {
  const y = SCIENCE_YEARS.indexOf(year);
  const schools = [
    ...DEMO_SCHOOLS.map((school, index) => ({
      schoolId: school.schoolId,
      base: 0.2 + 0.02 * (index % 4),
      slope: ZONE_SLOPES[index % 4],
      effect: year >= START ? DEMO_SCIENCE_EFFECT : 0,
    })),
    ...COMPARISON.map((school, index) => ({ schoolId: school.schoolId, base: school.base - 0.1, slope: COMPARISON_SLOPES[index % 5], effect: 0 })),
  ];
  return schools.map(({ schoolId, base, slope, effect }) => ({
    schoolId,
    schoolYear: year,
    window: 'annual',
    assessment: 'state_test',
    subject: 'science',
    grade: 'all',
    studentGroup: 'all',
    tested: SCIENCE_TESTED,
    proficient: Math.round(SCIENCE_TESTED * (base + (0.01 + slope) * y + effect)),
  }));
}

/** Fall and winter interims (all grades); a "recovers" school sits below its target in winter, then meets it. */
function interims(year: string, contractYear: number) {
  return DEMO_SCHOOLS.filter((school) => school.fromYear <= year).flatMap((school) => {
    const final = mathRate(school, contractYear);
    const winter = school.storyline === 'recovers' && contractYear === 1 ? school.base + 0.01 : final - 0.005;
    return [
      ['fall', winter - 0.02],
      ['winter', winter],
    ].map(([window, rate]) => ({
      schoolId: school.schoolId,
      schoolYear: year,
      window,
      assessment: 'interim',
      subject: 'math',
      grade: 'all',
      studentGroup: 'all',
      tested: 380,
      proficient: Math.round(380 * (rate as number)),
    }));
  });
}

/** Monthly attendance; Valley Middle slips below 92% in contract year 2. */
function attendance(year: string, contractYear: number, months: number[]) {
  return [...DEMO_SCHOOLS, ...COMPARISON].flatMap((school) =>
    months.map((month) => attendanceMonth(school.schoolId, year, month, school.schoolId === 'VALLEY-2' && contractYear === 2 ? 0.905 : 0.935)),
  );
}

/** Staffing reports: 40 teachers, 32 of them returning (80% retention) except in Hillcrest in year 1. */
function staffing(year: string, asOf: string) {
  return DEMO_SCHOOLS.map((school) =>
    staffingReport(school.schoolId, year, asOf, { teachers: 40, returning: school.clusterId === 'C-HILL' && year === START ? 26 : 32, newHires: 8 }),
  );
}
