import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TURNAROUND_CONFIG, TurnaroundConfig } from '@turnaround/platform';
import { bearerToken, isMetricsToken } from './operator-token';
import { ServiceMetrics } from './service-metrics';

/**
 * `GET /metrics` in Prometheus' text format. It holds counts, runner names and event ids,
 * nothing of a school or a key, but also what the deployment runs and how busy it is.
 * METRICS_TOKEN, when set, closes it to all but `Authorization: Bearer <token>` (API keys are
 * not taken: a scraper should not hold one). Without it, it is open in development, as scrapers
 * usually are, and off in production (404): the service still starts, since monitoring left
 * unconfigured should not take the API down, and the scraper's failing target says what to set.
 */
@Controller('metrics')
export class PrometheusController {
  constructor(
    private readonly metrics: ServiceMetrics,
    @Inject(TURNAROUND_CONFIG) private readonly config: TurnaroundConfig,
  ) {}

  @Get()
  @ApiExcludeEndpoint()
  async scrape(@Req() request: IncomingMessage, @Res() response: ServerResponse): Promise<void> {
    if (!this.config.metricsToken && this.config.production)
      return refuse(response, 404, 'not_found', '/metrics is off in production until METRICS_TOKEN is set (README "Operations")');
    if (this.config.metricsToken && !isMetricsToken(this.config, bearerToken(request)))
      return refuse(response, 401, 'unauthorized', 'expected Authorization: Bearer <METRICS_TOKEN>');
    response.writeHead(200, { 'content-type': this.metrics.contentType }).end(await this.metrics.scrape());
  }
}

/** The error body every refusal has (HttpErrorsFilter), written here because the answer is written by hand. */
function refuse(response: ServerResponse, status: number, error: string, message: string): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error, message }));
}
