import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import { ApiResponse, ApiTags } from '@nestjs/swagger';
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { ApiAnswer, healthAnswer, jsonSchemaOf, Public, SQL_CLIENT } from '@turnaround/platform';
import { SqlClient } from '@turnaround/postgres';
import { readinessAnswer, Readiness } from './observability/readiness';

@ApiTags('ops')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(SQL_CLIENT) private readonly sql: SqlClient,
    private readonly readiness: Readiness,
  ) {}

  /** 200 when the database answers; the error filter turns a failure into 500. What docker-compose's health check calls. */
  @Get()
  @ApiAnswer(healthAnswer)
  @Public()
  async health() {
    await this.sql.query('SELECT 1');
    return { status: 'ok', database: this.sql.kind };
  }

  /** The process answers: a liveness probe restarts it only when it does not. */
  @Get('live')
  @ApiAnswer(z.object({ status: z.literal('live') }))
  @Public()
  live() {
    return { status: 'live' };
  }

  /** 200 when it can serve what it knows, 503 with the reasons when not (a load balancer sends it nothing meanwhile). */
  @Get('ready')
  @HttpCode(200)
  @ApiAnswer(readinessAnswer)
  @ApiResponse({ status: 503, description: 'not ready, with the reasons', schema: jsonSchemaOf(readinessAnswer, 'output') })
  @Public()
  async ready(@Res({ passthrough: true }) response: ServerResponse) {
    const answer = await this.readiness.check();
    if (answer.status !== 'ready') response.statusCode = 503;
    return answer;
  }
}
