import { Controller, Get, HttpCode, Inject, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { ApiAnswer, ApiKeys, healthAnswer, jsonSchemaOf, SQL_CLIENT, TURNAROUND_CONFIG, TurnaroundConfig } from '@turnaround/platform';
import { SqlClient } from '@turnaround/postgres';
import { bearerToken, isMetricsToken } from './observability/operator-token';
import { readinessAnswer, Readiness, RUNNER_EXAMPLE } from './observability/readiness';

@ApiTags('ops')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(SQL_CLIENT) private readonly sql: SqlClient,
    private readonly readiness: Readiness,
    private readonly keys: ApiKeys,
    @Inject(TURNAROUND_CONFIG) private readonly config: TurnaroundConfig,
  ) {}

  /** 200 when the database answers; the error filter turns a failure into 500. What docker-compose's health check calls. */
  @Get()
  @ApiAnswer(healthAnswer)
  @ApiOperation({
    summary: 'Is the service up',
    description:
      "200 when the database answers, 500 when it does not: what docker-compose's health check calls. Readiness, which also checks the event store and the projections, is GET /health/ready.",
  })
  async health() {
    await this.sql.query('SELECT 1');
    return { status: 'ok', database: this.sql.kind };
  }

  /** The process answers: a liveness probe restarts it only when it does not. */
  @Get('live')
  @ApiAnswer(z.object({ status: z.literal('live') }), { example: { status: 'live' } })
  @ApiOperation({ summary: 'Liveness probe', description: 'Answers as long as the process does: a liveness probe restarts the service only when it does not.' })
  live() {
    return { status: 'live' };
  }

  /**
   * 200 when it can serve what it knows, 503 when not (a load balancer sends it nothing
   * meanwhile). The reasons and the runners name event ids, streams and errors: only a state key
   * or METRICS_TOKEN reads them; anyone else learns ready or not.
   */
  @Get('ready')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Readiness probe',
    description:
      '200 when the service can serve what it knows: the database and the event store answer, no projection runner is parked or too far behind, and the feed consumer is connected (with Kafka); 503 when not, so a load balancer sends it nothing meanwhile. Only a state key or METRICS_TOKEN, as the bearer token, reads the reasons and every runner with its lag; anyone else learns ready or not.',
  })
  @ApiAnswer(readinessAnswer, {
    description: 'ready; with a state key or METRICS_TOKEN as the bearer token, the reasons and every runner with its lag',
    example: { status: 'ready', reasons: [], projections: [RUNNER_EXAMPLE] },
  })
  @ApiResponse({
    status: 503,
    description: 'not ready (the reasons as for 200)',
    schema: jsonSchemaOf(readinessAnswer, 'output'),
    example: { status: 'not ready' },
  })
  async ready(@Req() request: IncomingMessage, @Res({ passthrough: true }) response: ServerResponse) {
    const answer = await this.readiness.check();
    if (answer.status !== 'ready') response.statusCode = 503;
    return (await this.mayReadDetails(bearerToken(request))) ? answer : { status: answer.status };
  }

  private async mayReadDetails(token: string | undefined): Promise<boolean> {
    if (token === undefined) return false;
    return isMetricsToken(this.config, token) || (await this.keys.verify(token))?.role.kind === 'state';
  }
}
