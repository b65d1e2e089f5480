import { addSchoolYears, seededRandom, startCalendarYear } from '@turnaround/domain';
import { DemoPush, DemoRegistry } from './demo-zone';
import { attendanceMonth, gradeRows, staffingReport } from './feed-builders';

/**
 * A state-sized, deterministic dataset for `npm run bench`: by default 1,800 schools in 60
 * districts, a baseline and three school years, and three Partnership Zones of 4 clusters of 4
 * schools under 3-year contracts. Each school year has:
 * - fall and winter interims in math and ELA, and the spring state test in math, ELA and
 *   science, each by grade (03-08 plus all grades); the state test also by 4 student groups;
 * - monthly attendance, September to June, pushed in two parts;
 * - an October and a June staffing report.
 * That is 496 records per school, about 890,000 for 1,800 schools. The same seed gives the same
 * records on every machine; the record shapes are the demo zone's (`feed-builders.ts`).
 *
 * Every school's proficiency follows its own random level and yearly gain, drawn alike for zone
 * and comparison schools (every school not in a zone); from the first contract year on, a zone
 * school's is STATE_TREATMENT_EFFECT higher in every subject and window. So the proof points of
 * the dataset estimate that effect, give or take the sampling noise of the gains.
 */
export interface StateDataset {
  registry: DemoRegistry;
  /** The pushes in the order data teams would send them, generated as they are read. */
  pushes(): Generator<DemoPush>;
  recordCount: number;
}

const BASELINE = '2022-23';
const YEARS = [0, 1, 2, 3].map((offset) => addSchoolYears(BASELINE, offset));
const SCHOOLS_PER_DISTRICT = 30;
const ZONES = 3;
const CLUSTERS_PER_ZONE = 4;
const SCHOOLS_PER_CLUSTER = 4;
const GROUPS = ['all', 'economically_disadvantaged', 'students_with_disabilities', 'english_learners'];
const RECORDS_PER_SCHOOL_YEAR = 2 * 2 * 7 + 3 * GROUPS.length * 7 + 10 + 2;
/** The zone schools' rise in proficiency (4 points) from the first contract year on, over where their own gains would have put them. */
export const STATE_TREATMENT_EFFECT = 0.04;

interface StateSchool {
  schoolId: string;
  districtId: string;
  /** Baseline proficiency, yearly gain, attendance rate and teachers. */
  base: number;
  gain: number;
  attendance: number;
  teachers: number;
  /** In a zone's cluster, under contract from the first contract year. */
  zone: boolean;
}

export function stateDataset(options: { seed?: number; schools?: number } = {}): StateDataset {
  const count = options.schools ?? 1_800;
  const next = seededRandom(options.seed ?? 2026);
  const schools: StateSchool[] = Array.from({ length: count }, (_, n) => ({
    schoolId: `ST-${String(n + 1).padStart(5, '0')}`,
    districtId: `D-${String(Math.floor(n / SCHOOLS_PER_DISTRICT) + 1).padStart(3, '0')}`,
    base: 0.15 + 0.5 * next(),
    gain: -0.01 + 0.05 * next(),
    attendance: 0.86 + 0.1 * next(),
    teachers: 20 + Math.floor(40 * next()),
    zone: n < ZONES * CLUSTERS_PER_ZONE * SCHOOLS_PER_CLUSTER,
  }));
  const zoneSchools = schools.filter((school) => school.zone);
  const clusterOf = (index: number) => Math.floor(index / SCHOOLS_PER_CLUSTER);
  const clusters = Array.from({ length: Math.ceil(zoneSchools.length / SCHOOLS_PER_CLUSTER) }, (_, c) => ({
    clusterId: `SC-${c + 1}`,
    zoneId: `SZ-${Math.floor(c / CLUSTERS_PER_ZONE) + 1}`,
    schoolIds: zoneSchools.filter((_, index) => clusterOf(index) === c).map((school) => school.schoolId),
  }));
  const zoneIds = [...new Set(clusters.map((cluster) => cluster.zoneId))];
  const registry: DemoRegistry = {
    zones: zoneIds.map((zoneId) => ({
      zoneId,
      stateCode: 'MA',
      name: `Partnership Zone ${zoneId.slice(3)}`,
      districtIds: [...new Set(zoneSchools.filter((_, index) => clusters[clusterOf(index)].zoneId === zoneId).map((school) => school.districtId))],
    })),
    clusters: clusters.map(({ clusterId, zoneId }) => ({ clusterId, zoneId, name: `Cluster ${clusterId.slice(3)}` })),
    schools: schools.map(({ schoolId, districtId }) => ({ schoolId, districtId, name: `School ${schoolId.slice(3)}`, gradeSpan: '03-08' })),
    assignments: zoneSchools.map((school, index) => ({
      schoolId: school.schoolId,
      body: { clusterId: clusters[clusterOf(index)].clusterId, fromYear: YEARS[1], strategy: 'transformation' },
    })),
    partners: clusters.map(({ clusterId }) => ({ partnerId: `SP-${clusterId.slice(3)}`, name: `Lead Partner ${clusterId.slice(3)}`, role: 'lead' })),
    contracts: clusters.map(({ clusterId, schoolIds }) => ({
      contractId: `SK-${clusterId.slice(3)}`,
      partnerId: `SP-${clusterId.slice(3)}`,
      clusterId,
      schoolIds,
      governance: 'district_lead_partner',
      startYear: YEARS[1],
      termYears: 3,
      baselineYear: BASELINE,
      targets: [
        ...[0.03, 0.06, 0.1].map((value, index) => ({ metric: 'proficiency.math', contractYear: index + 1, kind: 'gain', value, scope: 'school' })),
        ...[1, 2, 3].map((contractYear) => ({ metric: 'attendance_rate', contractYear, kind: 'absolute', value: 0.92, scope: 'cluster' })),
      ],
    })),
  };

  function* pushes(): Generator<DemoPush> {
    for (const [y, year] of YEARS.entries()) {
      const effect = (school: StateSchool) => (school.zone && y >= 1 ? STATE_TREATMENT_EFFECT : 0);
      const rate = (school: StateSchool, subject: string) => school.base + y * school.gain + (subject === 'math' ? 0 : 0.04) + effect(school);
      yield {
        label: `${year} fall and winter interims`,
        kind: 'assessment',
        records: schools.flatMap((school) =>
          ['fall', 'winter'].flatMap((window) =>
            ['math', 'ela'].flatMap((subject) => gradeRows(school.schoolId, year, subject, rate(school, subject) - 0.02, { window, assessment: 'interim' })),
          ),
        ),
      };
      yield { label: `${year} attendance, September to March`, kind: 'attendance', records: attendanceOf(schools, year, [9, 10, 11, 12, 1, 2, 3]) };
      yield { label: `${year} October staffing`, kind: 'staffing', records: staffingOf(schools, year, `${startCalendarYear(year)}-10-01`) };
      yield {
        label: `${year} state test results`,
        kind: 'assessment',
        records: schools.flatMap((school) =>
          ['math', 'ela', 'science'].flatMap((subject) =>
            GROUPS.flatMap((studentGroup, g) =>
              gradeRows(school.schoolId, year, subject, rate(school, subject) - 0.05 * g, { studentGroup, suppressSmall: g === 2 }),
            ),
          ),
        ),
      };
      yield { label: `${year} attendance, April to June`, kind: 'attendance', records: attendanceOf(schools, year, [4, 5, 6]) };
      yield { label: `${year} June staffing`, kind: 'staffing', records: staffingOf(schools, year, `${startCalendarYear(year) + 1}-06-15`) };
    }
  }

  return { registry, pushes, recordCount: count * YEARS.length * RECORDS_PER_SCHOOL_YEAR };
}

function attendanceOf(schools: readonly StateSchool[], year: string, months: number[]) {
  return schools.flatMap((school) => months.map((month) => attendanceMonth(school.schoolId, year, month, school.attendance)));
}

function staffingOf(schools: readonly StateSchool[], year: string, asOf: string) {
  return schools.map((school) => {
    const returning = Math.round(school.teachers * 0.8);
    return staffingReport(school.schoolId, year, asOf, { teachers: school.teachers, returning, newHires: school.teachers - returning });
  });
}
