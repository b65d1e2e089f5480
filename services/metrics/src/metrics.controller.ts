import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { METRIC_FAMILIES, parseSchoolYear, ValidationError } from '@turnaround/domain';
import { Access, Readers, SQL_CLIENT, TURNAROUND_CONFIG, TurnaroundConfig } from '@turnaround/platform';
import { SqlClient } from '@turnaround/postgres';
import { MetricQueries, MetricReading, parseAsOf, publicReading, ScorecardQueries } from '@turnaround/read-model';

const YEAR = { name: 'year', required: false, description: 'a school year, e.g. 2024-25; every year when absent' };
const AS_OF = { name: 'asOf', required: false, description: 'an ISO date or time: the answer as the service knew it then (knowledge time); now when absent' };

/** Metrics of schools and their roll-ups, beside the contract targets (DESIGN.md section 8). */
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
  @Access({ roles: ['state', 'researcher', 'district', 'data-team'] })
  @Get('metric-definitions')
  definitions() {
    return METRIC_FAMILIES.map((family) => ({ ...family, name: family.parameter ? `${family.family}.{${family.parameter}}` : family.family }));
  }

  @Access({ roles: ['state', 'researcher', 'district'], district: 'school' })
  @Get('schools/:id/metrics')
  @ApiQuery(YEAR)
  @ApiQuery(AS_OF)
  school(@Param('id') id: string, @Query('year') year?: string, @Query('asOf') asOf?: string) {
    return this.metrics.school(id, this.year(year), parseAsOf(asOf)).then((readings) => this.public(readings));
  }

  @Readers()
  @Get('clusters/:id/metrics')
  @ApiQuery(YEAR)
  @ApiQuery(AS_OF)
  cluster(@Param('id') id: string, @Query('year') year?: string, @Query('asOf') asOf?: string) {
    return this.metrics.cluster(id, this.year(year), parseAsOf(asOf)).then((readings) => this.public(readings));
  }

  @Readers()
  @Get('partners/:id/metrics')
  @ApiQuery(YEAR)
  @ApiQuery(AS_OF)
  partner(@Param('id') id: string, @Query('year') year?: string, @Query('asOf') asOf?: string) {
    return this.metrics.partner(id, this.year(year), parseAsOf(asOf)).then((readings) => this.public(readings));
  }

  @Readers()
  @Get('zones/:id/metrics')
  @ApiQuery(YEAR)
  @ApiQuery(AS_OF)
  zone(@Param('id') id: string, @Query('year') year?: string, @Query('asOf') asOf?: string) {
    return this.metrics.zone(id, this.year(year), parseAsOf(asOf)).then((readings) => this.public(readings));
  }

  /** For each school and the cluster: metric, contract year, baseline, target, actual and status. */
  @Readers()
  @Get('contracts/:id/scorecard')
  @ApiQuery(AS_OF)
  scorecard(@Param('id') id: string, @Query('asOf') asOf?: string) {
    return this.scorecards.scorecard(id, parseAsOf(asOf));
  }

  private year(year: string | undefined): string | undefined {
    if (year !== undefined && parseSchoolYear(year) === undefined) throw ValidationError.of('year', `expected a school year written YYYY-YY, e.g. 2024-25, got '${year}'`);
    return year;
  }

  private public(readings: MetricReading[]) {
    return readings.map((reading) => publicReading(reading, this.config.nMin));
  }
}
