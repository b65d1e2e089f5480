import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { METRIC_FAMILIES, MetricCatalogues, schoolYearProblem, ValidationError } from '@turnaround/domain';
import {
  AnsweredFromReadState,
  ApiAnswer,
  Caller,
  comparisonMeanAnswer,
  metricDefinitionAnswer,
  METRIC_CATALOGUES,
  metricReadingAnswer,
  partnerScorecardAnswer,
  Principal,
  scorecardAnswer,
  SQL_CLIENT,
  TURNAROUND_CONFIG,
  TurnaroundConfig,
} from '@turnaround/platform';
import { SqlClient } from '@turnaround/postgres';
import { parseAsOf, PublishedMetrics, ScorecardQueries } from '@turnaround/read-model';

const YEAR = { name: 'year', required: false, description: 'only this school year, e.g. 2024-25; every year when absent', example: '2023-24' };
const AS_OF = {
  name: 'asOf',
  required: false,
  description: 'an ISO date or time: the answer as the service knew it then (knowledge time); now when absent',
  example: '2024-03-01',
};

/**
 * Metrics of schools and their roll-ups, beside the contract targets (docs/architecture.md#outside-interfaces).
 * The state office and researchers read every value raw (flagged `smallNumber`); a district or
 * partner reads its own schools raw, and the rest as the public does: small numbers withheld,
 * and whatever would give one away (complementary suppression, `PublishedMetrics`).
 */
@ApiTags('metrics')
@Controller('api/v1')
export class MetricsController {
  private readonly metrics: PublishedMetrics;
  private readonly scorecards: ScorecardQueries;

  constructor(
    @Inject(SQL_CLIENT) sql: SqlClient,
    @Inject(TURNAROUND_CONFIG) config: TurnaroundConfig,
    @Inject(METRIC_CATALOGUES) catalogues: MetricCatalogues,
  ) {
    this.metrics = new PublishedMetrics(sql, config.nMin, catalogues.indicators);
    this.scorecards = new ScorecardQueries(sql);
  }

  /** The metric definition table (docs/metrics.md), as the projections compute it. */
  @Get('metric-definitions')
  @ApiAnswer(metricDefinitionAnswer, { list: true })
  @ApiOperation({
    summary: 'The metric definitions',
    description:
      'The metric table: each metric family with its numerator, denominator, source feed, window and direction (higher or lower is better). A family with a parameter, such as `proficiency.{subject}`, names one metric per subject or indicator.',
  })
  definitions() {
    return METRIC_FAMILIES.map((family) => ({ ...family, name: family.parameter ? `${family.family}.{${family.parameter}}` : family.family }));
  }

  @Get('schools/:schoolId/metrics')
  @AnsweredFromReadState()
  @ApiAnswer(metricReadingAnswer, { list: true })
  @ApiQuery(YEAR)
  @ApiQuery(AS_OF)
  @ApiOperation({
    summary: "A school's metrics",
    description:
      'Every metric of the school by school year, as numerator, denominator and rate, with whether it is final, partial or suppressed and when the service learned it. A value that covers fewer than N_MIN students is flagged `smallNumber`; it is withheld (numbers null, `withheld: true`), with whatever would give it away, from the public and from a district or partner reading what is not its own.',
  })
  school(@Caller() caller: Principal, @Param('schoolId') schoolId: string, @Query('year') year?: string, @Query('asOf') asOf?: string) {
    return this.metrics.school(schoolId, caller.role, this.year(year), parseAsOf(asOf));
  }

  @Get('clusters/:clusterId/metrics')
  @AnsweredFromReadState()
  @ApiAnswer(metricReadingAnswer, { list: true })
  @ApiQuery(YEAR)
  @ApiQuery(AS_OF)
  @ApiOperation({
    summary: "A cluster's metrics",
    description:
      'Every metric of the cluster by school year: numerators and denominators summed over the schools that were its members in that year. A value that covers fewer than N_MIN students is flagged `smallNumber`; it is withheld (numbers null, `withheld: true`), with whatever would give it away, from the public and from a district or partner reading what is not its own.',
  })
  cluster(@Caller() caller: Principal, @Param('clusterId') clusterId: string, @Query('year') year?: string, @Query('asOf') asOf?: string) {
    return this.metrics.aggregate({ kind: 'cluster', clusterId }, caller.role, this.year(year), parseAsOf(asOf));
  }

  @Get('partners/:partnerId/metrics')
  @AnsweredFromReadState()
  @ApiAnswer(metricReadingAnswer, { list: true })
  @ApiQuery(YEAR)
  @ApiQuery(AS_OF)
  @ApiOperation({
    summary: "A partner's metrics",
    description:
      "Every metric of the partner by school year: the schools of its clusters during its contracts' terms only, so two partners that held a cluster in turn each count their own years. A value that covers fewer than N_MIN students is flagged `smallNumber`; it is withheld (numbers null, `withheld: true`), with whatever would give it away, from the public and from a district or partner reading what is not its own.",
  })
  partner(@Caller() caller: Principal, @Param('partnerId') partnerId: string, @Query('year') year?: string, @Query('asOf') asOf?: string) {
    return this.metrics.aggregate({ kind: 'partner', partnerId }, caller.role, this.year(year), parseAsOf(asOf));
  }

  @Get('zones/:zoneId/metrics')
  @AnsweredFromReadState()
  @ApiAnswer(metricReadingAnswer, { list: true })
  @ApiQuery(YEAR)
  @ApiQuery(AS_OF)
  @ApiOperation({
    summary: "A zone's metrics",
    description:
      'Every metric of the Partnership Zone by school year, summed over the schools in its clusters that year. A value that covers fewer than N_MIN students is flagged `smallNumber`; it is withheld (numbers null, `withheld: true`), with whatever would give it away, from the public and from a district or partner reading what is not its own.',
  })
  zone(@Caller() caller: Principal, @Param('zoneId') zoneId: string, @Query('year') year?: string, @Query('asOf') asOf?: string) {
    return this.metrics.aggregate({ kind: 'zone', zoneId }, caller.role, this.year(year), parseAsOf(asOf));
  }

  /** Every school that reported, in a zone or not: the state average `stateAverage` targets close the gap to, as known at `asOf`. */
  @Get('state/metrics')
  @AnsweredFromReadState()
  @ApiAnswer(metricReadingAnswer, { list: true })
  @ApiQuery(YEAR)
  @ApiQuery(AS_OF)
  @ApiOperation({
    summary: 'The state average',
    description:
      'Every metric over every school that reported it, in a zone or not: the state average that `stateAverage` gap-closure targets close the gap to, as known at `asOf`. A value that covers fewer than N_MIN students is flagged `smallNumber`; it is withheld (numbers null, `withheld: true`), with whatever would give it away, from the public and from a district or partner reading what is not its own.',
  })
  state(@Caller() caller: Principal, @Query('year') year?: string, @Query('asOf') asOf?: string) {
    return this.metrics.state(caller.role, this.year(year), parseAsOf(asOf));
  }

  /**
   * The never-treated comparison schools' mean of each metric by school year (the research
   * panel's `comparison` schools: never in a cluster or a contract, as known at `asOf`): the
   * line a contract's trend is read against. A mean of fewer than 10 schools is withheld from
   * everyone but the state office and researchers.
   */
  @Get('comparison/metrics')
  @AnsweredFromReadState()
  @ApiAnswer(comparisonMeanAnswer, { list: true })
  @ApiQuery(YEAR)
  @ApiQuery(AS_OF)
  @ApiOperation({
    summary: "The comparison schools' means",
    description:
      "The never-treated comparison schools' mean of each metric by school year (schools never in a cluster or a contract, as known at `asOf`), with how many schools it averages: the line a contract's trend is read against. A mean of fewer than 10 schools is withheld from all but the state office and researchers.",
  })
  comparison(@Caller() caller: Principal, @Query('year') year?: string, @Query('asOf') asOf?: string) {
    return this.metrics.comparison(caller.role, this.year(year), parseAsOf(asOf));
  }

  /** For each school and the cluster: metric, contract year, baseline, target in force, actual and status. A district sees its own schools' lines and the cluster's. */
  @Get('contracts/:contractId/scorecard')
  @AnsweredFromReadState()
  @ApiAnswer(scorecardAnswer)
  @ApiQuery(AS_OF)
  @ApiOperation({
    summary: "A contract's scorecard",
    description:
      "For each school and the cluster, each metric and contract year: the baseline, the threshold the target in force sets (and since when), the actual value, the evidence (final, leading or none) and the status: pending, on_track, at_risk, met or missed. A district sees its own schools' lines and the cluster's.",
  })
  scorecard(@Caller() caller: Principal, @Param('contractId') contractId: string, @Query('asOf') asOf?: string) {
    return this.scorecards.scorecard(contractId, parseAsOf(asOf), caller.role.kind === 'district' ? caller.role.districtId : undefined);
  }

  /** Every contract of the partner: its cluster lines by contract year, and per school year how many clusters met, missed, were at risk or on track. */
  @Get('partners/:partnerId/scorecard')
  @AnsweredFromReadState()
  @ApiAnswer(partnerScorecardAnswer)
  @ApiQuery(AS_OF)
  @ApiOperation({
    summary: "A partner's scorecard",
    description:
      'Every contract of the partner with its cluster lines by contract year, and per school year how many of its clusters met, missed, were at risk, on track or pending (each by its worst line).',
  })
  partnerScorecard(@Param('partnerId') partnerId: string, @Query('asOf') asOf?: string) {
    return this.scorecards.partner(partnerId, parseAsOf(asOf));
  }

  private year(year: string | undefined): string | undefined {
    const problem = year === undefined ? undefined : schoolYearProblem(year);
    if (problem) throw ValidationError.of('year', `${problem}, got '${year}'`);
    return year;
  }
}
