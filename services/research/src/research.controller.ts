import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ValidationError } from '@turnaround/domain';
import { API_EXAMPLES, ApiAnswer, Caller, errorAnswer, jsonSchemaOf, Principal } from '@turnaround/platform';
import { PANEL_FILE_TYPES } from '@turnaround/research';
import { ServerResponse } from 'node:http';
import { proofPointsAnswer, researchRequestAnswer } from './research-answers';
import { ResearchAudit } from './research-audit';
import { HttpResearchRequests } from './research-requests';

const AS_OF = {
  name: 'asOf',
  required: false,
  description: 'an ISO date or time: the answer as the service knew it then (knowledge time); now when absent',
  example: '2025-03-01',
};
const METRICS = {
  name: 'metrics',
  required: false,
  description:
    'metrics, comma-separated, e.g. proficiency.math,attendance_rate; every metric with a value known at asOf when absent. Each must be catalogued (a 400 names the closest ones)',
  example: 'proficiency.math,attendance_rate',
};
const FILE = { type: 'string', format: 'binary' };
/** A file route's refusals are JSON all the same: said so, or the document would list them under the file's types. */
const ERROR = {
  status: 'default' as const,
  description: 'a refusal: what was wrong, and for bad input each field',
  content: { 'application/json': { schema: jsonSchemaOf(errorAnswer, 'output'), example: API_EXAMPLES.get(errorAnswer) } },
};

const PANEL_CSV_EXAMPLE =
  'school_id,district_id,school_year,year,zone_id,cluster_id,partner_id,contract_id,contract_year,treated,first_treat_year,gname,cohort_fixest,g_inf,comparison,attendance_rate,attendance_rate_num,attendance_rate_den,attendance_rate_suppressed,attendance_rate_small_n\nS-0001,D-0281,2023-24,2024,Z-DEMO,C-NORTH,P-LEAD,K-2023-NORTH,1,1,2024,2024,2024,2024,0,0.94,8460,9000,0,0\n';
const CODEBOOK_EXAMPLE =
  'column,label,type,rule\nschool_id,School id,string,the state school code\nattendance_rate,Attendance rate,double,attendance days / membership days\n';
const estimateExample = {
  value: 0.031,
  standardError: 0.012,
  ci95: { lower: 0.008, upper: 0.055 },
  draws: 999,
  insufficient: null,
  intervalInsufficient: null,
};
const proofPointsExample = {
  metric: 'proficiency.math',
  asOf: '2025-03-01T00:00:00.000Z',
  groupBy: 'zone',
  weights: 'none',
  seed: 20250301,
  draws: 999,
  groups: [
    {
      groupBy: 'zone',
      groupId: 'Z-DEMO',
      cohorts: [{ firstTreatYear: 2024, schools: 4 }],
      comparisonSchools: 212,
      baselineComparisons: [],
      groupTime: [
        { cohort: 2024, year: 2024, baseYear: 2023, eventTime: 0, schools: { treated: 4, comparison: 212 }, years: [2023, 2024], att: estimateExample },
      ],
      eventTime: [{ eventTime: 0, cohorts: [2024], schools: { treated: 4, comparison: 212 }, years: [2023, 2024], att: estimateExample }],
      overall: { eventTimes: [0], schools: { treated: 4, comparison: 212 }, years: [2023, 2024], att: estimateExample },
    },
  ],
};
const researchRequestExample = {
  recordId: 17,
  requestedAt: '2025-03-02T09:14:03.120Z',
  action: 'panel',
  channel: 'http',
  keyId: '7c1d2e3f4a5b',
  role: 'researcher',
  actor: 'key:7c1d2e3f4a5b (researcher)',
  parameters: { metrics: ['proficiency.math'], format: 'dta' },
  asOf: '2025-03-01T00:00:00.000Z',
  rows: 1840,
  finishedAt: '2025-03-02T09:14:05.871Z',
};

/** A query parameter given once: a repeated one is refused before any route runs (services/all-in-one/src/request-input.ts). */
type QueryText = string | undefined;

/**
 * The researchers' panel export and proof-point statistics (docs/research.md), each read as
 * known at one knowledge time and recorded for the state office before it is answered.
 */
@ApiTags('research')
@Controller('api/v1/research')
export class ResearchController {
  constructor(
    private readonly research: HttpResearchRequests,
    private readonly audit: ResearchAudit,
  ) {}

  /** The school x school year panel, streamed as it is read: CSV, Parquet or Stata .dta. */
  @Get('panel')
  @ApiOperation({
    summary: 'Export the research panel',
    description:
      'The school x school year panel, streamed as CSV, Parquet or Stata .dta, named with its knowledge time (`turnaround-panel-20250301t000000z.dta`): ids and treatment (zone, cluster, partner, contract, contract year, treated, first treatment year and the never-treated codings), and per metric its value, numerator, denominator and suppression and small-number flags. Asking again with the same asOf gives the same file, byte for byte. Each export is recorded for the state office.',
  })
  @ApiQuery(METRICS)
  @ApiQuery({ name: 'from', required: false, description: 'first school year (2022-23, or the year it ends in: 2023); the earliest when absent' })
  @ApiQuery({ name: 'to', required: false, description: 'last school year (2025-26, or 2026); the latest when absent' })
  @ApiQuery(AS_OF)
  @ApiQuery({ name: 'format', required: false, enum: ['csv', 'parquet', 'dta'], description: 'csv when absent' })
  @ApiProduces(...Object.values(PANEL_FILE_TYPES).map((type) => type.contentType.split(';')[0]))
  @ApiResponse({
    status: 200,
    description: 'the panel file (an attachment named with its asOf); its codebook is at /api/v1/research/panel/codebook',
    content: Object.fromEntries(
      Object.values(PANEL_FILE_TYPES).map((type) => [
        type.contentType.split(';')[0],
        type.extension === 'csv' ? { schema: FILE, example: PANEL_CSV_EXAMPLE } : { schema: FILE },
      ]),
    ),
  })
  @ApiResponse(ERROR)
  async panel(
    @Caller() caller: Principal,
    @Query('metrics') metrics: QueryText,
    @Query('from') from: QueryText,
    @Query('to') to: QueryText,
    @Query('asOf') asOf: QueryText,
    @Query('format') format: QueryText,
    @Res() response: ServerResponse,
  ): Promise<void> {
    await (await this.research.panel(caller, { metrics, from, to, asOf, format })).send(response);
  }

  /** The codebook of the panel the same metrics and asOf give: each column, its label, type and rule. */
  @Get('panel/codebook')
  @ApiOperation({
    summary: "The research panel's codebook",
    description:
      'The codebook of the panel the same metrics and asOf give, as CSV: each column, its label, its type and the rule it is made by. Every column name is a valid Stata name.',
  })
  @ApiQuery(METRICS)
  @ApiQuery(AS_OF)
  @ApiProduces('text/csv')
  @ApiResponse({
    status: 200,
    description: 'the codebook as CSV: column, label, type, rule',
    content: { 'text/csv': { schema: { type: 'string' }, example: CODEBOOK_EXAMPLE } },
  })
  @ApiResponse(ERROR)
  async codebook(@Query('metrics') metrics: QueryText, @Query('asOf') asOf: QueryText, @Res() response: ServerResponse): Promise<void> {
    await (await this.research.codebook({ metrics, asOf })).send(response);
  }

  /** Gains, difference in differences, ATT(g, t) and their aggregations, with bootstrap intervals and Hedges' g. */
  @Get('proof-points')
  @ApiAnswer(proofPointsAnswer, { example: proofPointsExample })
  @ApiOperation({
    summary: 'Proof-point statistics',
    description:
      "For one metric, per treated group compared with the never-treated schools: gains, difference in differences with Hedges' g, group-time ATT(g, t) and their aggregations by event time and overall, each with its bootstrap standard error and 95% interval and the schools it counts. A figure on too few schools says so. Each analysis is recorded for the state office.",
  })
  @ApiQuery({
    name: 'metric',
    required: true,
    description: 'the metric, e.g. proficiency.math; it must be catalogued (a 400 names the closest ones)',
    example: 'proficiency.math',
  })
  @ApiQuery({
    name: 'group',
    required: false,
    enum: ['cluster', 'zone', 'partner', 'cohort'],
    description: 'the treated groups compared with the never-treated schools; zone when absent',
  })
  @ApiQuery({
    name: 'weights',
    required: false,
    enum: ['n', 'none'],
    description: 'n weights each school by its denominator in the base year; unweighted when absent',
  })
  @ApiQuery(AS_OF)
  proofPoints(
    @Caller() caller: Principal,
    @Query('metric') metric: QueryText,
    @Query('group') group: QueryText,
    @Query('weights') weights: QueryText,
    @Query('asOf') asOf: QueryText,
  ) {
    return this.research.proofPoints(caller, { metric, group, weights, asOf });
  }

  /** Every export and analysis, latest first: who asked (key and role), what, and as of when. */
  @Get('requests')
  @ApiAnswer(researchRequestAnswer, { list: true, example: researchRequestExample })
  @ApiOperation({
    summary: 'Audit the research requests',
    description:
      'Every panel export and proof-point analysis, latest first: who asked (key, role and name), through which channel, with what parameters, as of when, how many rows it gave and when it finished.',
  })
  @ApiQuery({ name: 'limit', required: false, description: 'at most this many, 1-1000; 100 when absent', example: 100 })
  requests(@Query('limit') limit: QueryText) {
    const text = limit ?? '100';
    const count = Number(text);
    if (!Number.isInteger(count) || count < 1 || count > 1000) throw ValidationError.of('limit', `expected a whole number from 1 to 1000, got '${text}'`);
    return this.audit.list(count);
  }
}
