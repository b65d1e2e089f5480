import { Estimate, GroupProofPoints, MINIMUM_SCHOOLS, SchoolCounts, Shortfall } from '@turnaround/domain';
import { loadConfig } from '@turnaround/platform';
import { analyseProofPoints, ProofPointAnswer, proofPointParameters, ProofPointRequest } from '@turnaround/research-service';
import { callServer } from './embedded';
import { cliRequester, loadServiceCatalogues, optionName, withResearchReads } from './export.command';

export interface AnalyzeArguments extends ProofPointRequest {
  json: boolean;
  server?: string;
  key?: string;
  actor: string;
}

/**
 * `turnaround analyze`: the proof-point statistics of a metric (docs/research.md), each
 * treated group against the never-treated comparison schools, as a table with the schools (n)
 * and years behind every figure, or as the API's JSON with --json.
 */
export async function analyze(args: AnalyzeArguments): Promise<number> {
  const answer = args.server ? await fromServer(args, args.server) : await embedded(args);
  process.stdout.write(args.json ? `${JSON.stringify(answer, null, 2)}\n` : proofPointTable(answer));
  return 0;
}

async function embedded(args: AnalyzeArguments): Promise<ProofPointAnswer> {
  const catalogues = await loadServiceCatalogues();
  const parameters = proofPointParameters(args, new Date(), catalogues, optionName);
  return withResearchReads(async ({ queries, audit }) => {
    const { asOf, ...asked } = parameters;
    const recordId = await audit.record(cliRequester(args.actor), 'proof-points', asked, asOf);
    const answer = await analyseProofPoints(queries, loadConfig().nMin, catalogues, parameters, optionName);
    await audit.finished(recordId, answer.groups.length);
    return answer;
  });
}

function fromServer(args: AnalyzeArguments, server: string): Promise<ProofPointAnswer> {
  const query = new URLSearchParams();
  for (const [name, value] of [
    ['metric', args.metric],
    ['group', args.group],
    ['weights', args.weights],
    ['asOf', args.asOf],
  ] as const)
    if (value !== undefined) query.set(name, value);
  return callServer<ProofPointAnswer>(server, args.key, `/api/v1/research/proof-points?${query}`, { method: 'GET', headers: {} });
}

/** The figures of each group, one line each: what, the years compared, n treated / comparison, the estimate, its s.e. and 95% interval. */
export function proofPointTable(answer: ProofPointAnswer): string {
  const lines = [
    `${answer.metric} by ${answer.groupBy}, ${answer.weights === 'n' ? 'schools weighted by their base-year denominator' : 'schools unweighted'}, as known at ${answer.asOf}`,
    `against the never-treated comparison schools; years are the calendar year a school year ends in (2024 = 2023-24);`,
    `standard errors and 95% intervals from ${answer.draws} bootstrap draws resampling schools (seed ${answer.seed});`,
    `a figure on fewer schools than it needs says "n too small (have < needed)" instead: ${MINIMUM_SCHOOLS.att} a side for a figure and Hedges' g, ${MINIMUM_SCHOOLS.interval} a side for an interval`,
  ];
  if (answer.groups.length === 0) lines.push('', `no treated ${answer.groupBy} has ${answer.metric} in two years alongside comparison schools`);
  for (const group of answer.groups) lines.push('', ...groupLines(group));
  return `${lines.join('\n')}\n`;
}

function groupLines(group: GroupProofPoints): string[] {
  const cohorts = group.cohorts.map((cohort) => `cohort ${cohort.firstTreatYear} (${cohort.schools} schools)`).join(', ');
  const rows: string[][] = [['figure', 'years', 'n', 'estimate', 's.e.', '95% interval']];
  const add = (figure: string, years: readonly number[], n: SchoolCounts, estimate: Estimate | null) =>
    rows.push([figure, yearSpan(years), `${n.treated}/${n.comparison}`, ...cells(estimate, n)]);
  if (group.overall) add('overall ATT (e >= 0)', group.overall.years, group.overall.schools, group.overall.att);
  for (const effect of group.eventTime) add(`event time e = ${effect.eventTime}`, effect.years, effect.schools, effect.att);
  for (const cell of group.groupTime) add(`ATT(${cell.cohort}, ${cell.year}) vs ${cell.baseYear}`, cell.years, cell.schools, cell.att);
  for (const comparison of group.baselineComparisons) {
    const vs = `${comparison.year} vs ${comparison.baselineYear}`;
    add(`gain ${vs}, treated`, comparison.years, { treated: comparison.schools.treated, comparison: 0 }, comparison.treatedGain);
    add(`gain ${vs}, comparison`, comparison.years, { treated: 0, comparison: comparison.schools.comparison }, comparison.comparisonGain);
    add(`2x2 DiD ${vs}`, comparison.years, comparison.schools, comparison.differenceInDifferences);
    add(`Hedges' g ${vs}`, comparison.years, comparison.schools, comparison.hedgesG);
  }
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return [
    `${group.groupBy} ${group.groupId}: ${cohorts}; ${group.comparisonSchools} comparison schools (n = treated/comparison schools counted)`,
    ...rows.map((row) => `  ${row.map((cell, column) => (column >= 2 ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join('  ')}`.trimEnd()),
  ];
}

/**
 * The estimate, its s.e. and interval. A figure on fewer schools than it needs says so where its
 * number would stand: `--json` still gives the number, with the flag. Hedges' g is missing when
 * the gains do not vary, or a side has one school only.
 */
function cells(estimate: Estimate | null, n: SchoolCounts): string[] {
  if (!estimate) {
    const have = Math.min(n.treated, n.comparison);
    return [have < MINIMUM_SCHOOLS.hedgesG ? tooFew({ needed: MINIMUM_SCHOOLS.hedgesG, have }) : 'no spread', '-', '-'];
  }
  const number = (value: number) => value.toFixed(4);
  if (estimate.insufficient) return [tooFew(estimate.insufficient), '-', '-'];
  if (estimate.intervalInsufficient) return [number(estimate.value), '-', tooFew(estimate.intervalInsufficient)];
  return [
    number(estimate.value),
    estimate.standardError === null ? '-' : number(estimate.standardError),
    estimate.ci95 === null ? '-' : `[${number(estimate.ci95.lower)}, ${number(estimate.ci95.upper)}]`,
  ];
}

function tooFew(shortfall: Shortfall): string {
  return `n too small (${shortfall.have} < ${shortfall.needed})`;
}

function yearSpan(years: readonly number[]): string {
  if (years.length === 0) return '-';
  const consecutive = years.every((year, index) => index === 0 || year === years[index - 1] + 1);
  return consecutive && years.length > 2 ? `${years[0]}-${years[years.length - 1]}` : years.join(',');
}
