import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { METRIC_FAMILIES, parseSchoolYear, seesSmallNumbers, ValidationError } from '@turnaround/domain';
import { Access, ApiAnswer, Caller, metricDefinitionAnswer, metricReadingAnswer, partnerScorecardAnswer, Principal, scorecardAnswer, SQL_CLIENT, TURNAROUND_CONFIG, TurnaroundConfig } from '@turnaround/platform';
import { SqlClient } from '@turnaround/postgres';
import { MetricQueries, MetricReading, parseAsOf, ScorecardQueries, shownReading } from '@turnaround/read-model';

const YEAR = { name: 'year', required: false, description: 'a school year, e.g. 2024-25; every year when absent' };
const AS_OF = { name: 'asOf', required: false, description: 'an ISO date or time: the answer as the service knew it then (knowledge time); now when absent' };

/**
 * Metrics of schools and their roll-ups, beside the contract targets (DESIGN.md section 8).
 * The public reads aggregates with small numbers suppressed; a district or partner reads its own
 * schools, clusters and contracts raw (flagged `smallNumber`), as do the state office and researchers.
 */
@ApiTags('metrics')
@Controller('api/v1')
export class MetricsController {
  private readonly metrics: MetricQueries;
  private readonly scorecards: ScorecardQueries;

  constructor(
    @Inject(SQL_CLIENT) sql: SqlClient,
    @Inject(TURNAROUND_CONFIG) private readonly config: TurnaroundConfig,
  ) {
    this.metrics = new MetricQueries(sql);
    this.scorecards = new ScorecardQueries(sql);
  }

  /** The metric definition table (DESIGN.md section 5), as the projections compute it. */
  @Access({ roles: ['state', 'researcher', 'district', 'partner', 'data-team', 'public'] })
  @Get('metric-definitions')
  @ApiAnswer(metricDefinitionAnswer, { list: true })
  definitions() {
    return METRIC_FAMILIES.map((family) => ({ ...family, name: family.parameter ? `${family.family}.{${family.parameter}}` : family.family }));
  }

  @Access({ roles: ['state', 'researcher', 'district', 'partner', 'public'], scope: 'school' })
  @Get('schools/:schoolId/metrics')
  @ApiAnswer(metricReadingAnswer, { list: true })
  @ApiQuery(YEAR)
  @ApiQuery(AS_OF)
  school(@Caller() caller: Principal, @Param('schoolId') schoolId: string, @Query('year') year?: string, @Query('asOf') asOf?: string) {
    return this.metrics.school(schoolId, this.year(year), parseAsOf(asOf)).then((readings) => this.shown(caller, readings));
  }

  @Access({ roles: ['state', 'researcher', 'district', 'partner', 'public'], scope: 'cluster' })
  @Get('clusters/:clusterId/metrics')
  @ApiAnswer(metricReadingAnswer, { list: true })
  @ApiQuery(YEAR)
  @ApiQuery(AS_OF)
  cluster(@Caller() caller: Principal, @Param('clusterId') clusterId: string, @Query('year') year?: string, @Query('asOf') asOf?: string) {
    return this.metrics.cluster(clusterId, this.year(year), parseAsOf(asOf)).then((readings) => this.shown(caller, readings));
  }

  @Access({ roles: ['state', 'researcher', 'partner', 'public'], scope: 'partner' })
  @Get('partners/:partnerId/metrics')
  @ApiAnswer(metricReadingAnswer, { list: true })
  @ApiQuery(YEAR)
  @ApiQuery(AS_OF)
  partner(@Caller() caller: Principal, @Param('partnerId') partnerId: string, @Query('year') year?: string, @Query('asOf') asOf?: string) {
    return this.metrics.partner(partnerId, this.year(year), parseAsOf(asOf)).then((readings) => this.shown(caller, readings));
  }

  @Access({ roles: ['state', 'researcher', 'public'] })
  @Get('zones/:zoneId/metrics')
  @ApiAnswer(metricReadingAnswer, { list: true })
  @ApiQuery(YEAR)
  @ApiQuery(AS_OF)
  zone(@Caller() caller: Principal, @Param('zoneId') zoneId: string, @Query('year') year?: string, @Query('asOf') asOf?: string) {
    return this.metrics.zone(zoneId, this.year(year), parseAsOf(asOf)).then((readings) => this.shown(caller, readings));
  }

  /** For each school and the cluster: metric, contract year, baseline, target in force, actual and status. A district sees its own schools' lines and the cluster's. */
  @Access({ roles: ['state', 'researcher', 'district', 'partner'], scope: 'contract' })
  @Get('contracts/:contractId/scorecard')
  @ApiAnswer(scorecardAnswer)
  @ApiQuery(AS_OF)
  scorecard(@Caller() caller: Principal, @Param('contractId') contractId: string, @Query('asOf') asOf?: string) {
    return this.scorecards.scorecard(contractId, parseAsOf(asOf), caller.role.kind === 'district' ? caller.role.districtId : undefined);
  }

  /** Every contract of the partner: its cluster lines by contract year, and per school year how many clusters met, missed, were at risk or on track. */
  @Access({ roles: ['state', 'researcher', 'partner'], scope: 'partner' })
  @Get('partners/:partnerId/scorecard')
  @ApiAnswer(partnerScorecardAnswer)
  @ApiQuery(AS_OF)
  partnerScorecard(@Param('partnerId') partnerId: string, @Query('asOf') asOf?: string) {
    return this.scorecards.partner(partnerId, parseAsOf(asOf));
  }

  private year(year: string | undefined): string | undefined {
    if (year !== undefined && parseSchoolYear(year) === undefined) throw ValidationError.of('year', `expected a school year written YYYY-YY, e.g. 2024-25, got '${year}'`);
    return year;
  }

  private shown(caller: Principal, readings: MetricReading[]) {
    return readings.map((reading) => shownReading(reading, this.config.nMin, !seesSmallNumbers(caller.role)));
  }
}
