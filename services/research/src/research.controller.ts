import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ValidationError } from '@turnaround/domain';
import { ApiAnswer, Caller, errorAnswer, jsonSchemaOf, Principal } from '@turnaround/platform';
import { PANEL_FILE_TYPES } from '@turnaround/research';
import { ServerResponse } from 'node:http';
import { proofPointsAnswer, researchRequestAnswer } from './research-answers';
import { ResearchAudit } from './research-audit';
import { HttpResearchRequests } from './research-requests';

const AS_OF = { name: 'asOf', required: false, description: 'an ISO date or time: the answer as the service knew it then (knowledge time); now when absent' };
const METRICS = { name: 'metrics', required: false, description: 'metrics, comma-separated, e.g. proficiency.math,attendance_rate; every metric with a value known at asOf when absent' };
const FILE = { type: 'string', format: 'binary' };
/** A file route's refusals are JSON all the same: said so, or the document would list them under the file's types. */
const ERROR = {
  status: 'default' as const,
  description: 'a refusal: what was wrong, and for bad input each field',
  content: { 'application/json': { schema: jsonSchemaOf(errorAnswer, 'output') } },
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
  @ApiQuery(METRICS)
  @ApiQuery({ name: 'from', required: false, description: 'first school year (2022-23, or the year it ends in: 2023); the earliest when absent' })
  @ApiQuery({ name: 'to', required: false, description: 'last school year (2025-26, or 2026); the latest when absent' })
  @ApiQuery(AS_OF)
  @ApiQuery({ name: 'format', required: false, enum: ['csv', 'parquet', 'dta'], description: 'csv when absent' })
  @ApiProduces(...Object.values(PANEL_FILE_TYPES).map((type) => type.contentType.split(';')[0]))
  @ApiResponse({
    status: 200,
    description: 'the panel file (an attachment named with its asOf); its codebook is at /api/v1/research/panel/codebook',
    content: Object.fromEntries(Object.values(PANEL_FILE_TYPES).map((type) => [type.contentType.split(';')[0], { schema: FILE }])),
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
  @ApiQuery(METRICS)
  @ApiQuery(AS_OF)
  @ApiProduces('text/csv')
  @ApiResponse({ status: 200, description: 'the codebook as CSV: column, label, type, rule', content: { 'text/csv': { schema: { type: 'string' } } } })
  @ApiResponse(ERROR)
  async codebook(@Query('metrics') metrics: QueryText, @Query('asOf') asOf: QueryText, @Res() response: ServerResponse): Promise<void> {
    await (await this.research.codebook({ metrics, asOf })).send(response);
  }

  /** Gains, difference in differences, ATT(g, t) and their aggregations, with bootstrap intervals and Hedges' g. */
  @Get('proof-points')
  @ApiAnswer(proofPointsAnswer)
  @ApiQuery({ name: 'metric', required: true, description: 'the metric, e.g. proficiency.math' })
  @ApiQuery({ name: 'group', required: false, enum: ['cluster', 'zone', 'partner', 'cohort'], description: 'the treated groups compared with the never-treated schools; zone when absent' })
  @ApiQuery({ name: 'weights', required: false, enum: ['n', 'none'], description: 'n weights each school by its denominator in the base year; unweighted when absent' })
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
  @ApiAnswer(researchRequestAnswer, { list: true })
  @ApiQuery({ name: 'limit', required: false, description: 'at most this many, 1-1000; 100 when absent' })
  requests(@Query('limit') limit: QueryText) {
    const text = limit ?? '100';
    const count = Number(text);
    if (!Number.isInteger(count) || count < 1 || count > 1000) throw ValidationError.of('limit', `expected a whole number from 1 to 1000, got '${text}'`);
    return this.audit.list(count);
  }
}

