import { Controller, Get, HttpCode, Inject, Req, Res } from '@nestjs/common';
import { ApiResponse, ApiTags } from '@nestjs/swagger';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { ApiAnswer, ApiKeys, healthAnswer, jsonSchemaOf, SQL_CLIENT, TURNAROUND_CONFIG, TurnaroundConfig } from '@turnaround/platform';
import { SqlClient } from '@turnaround/postgres';
import { bearerToken, isMetricsToken } from './observability/operator-token';
import { readinessAnswer, Readiness } from './observability/readiness';

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
  async health() {
    await this.sql.query('SELECT 1');
    return { status: 'ok', database: this.sql.kind };
  }

  /** The process answers: a liveness probe restarts it only when it does not. */
  @Get('live')
  @ApiAnswer(z.object({ status: z.literal('live') }))
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
  @ApiAnswer(readinessAnswer, { description: 'ready; with a state key or METRICS_TOKEN as the bearer token, the reasons and every runner with its lag' })
  @ApiResponse({ status: 503, description: 'not ready (the reasons as for 200)', schema: jsonSchemaOf(readinessAnswer, 'output') })
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
