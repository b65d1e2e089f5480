import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Public, TURNAROUND_CONFIG, TurnaroundConfig } from '@turnaround/platform';
import { ServiceMetrics } from './service-metrics';

/**
 * `GET /metrics` in Prometheus' text format. Open, as scrapers usually are: it holds counts,
 * runner names and event ids, nothing of a school or a key. METRICS_TOKEN, when set, closes
 * it to all but `Authorization: Bearer <token>` (API keys are not taken: a scraper should not
 * hold one).
 */
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: ServiceMetrics,
    @Inject(TURNAROUND_CONFIG) private readonly config: TurnaroundConfig,
  ) {}

  @Get()
  @Public()
  @ApiExcludeEndpoint()
  async scrape(@Req() request: IncomingMessage, @Res() response: ServerResponse): Promise<void> {
    const token = this.config.metricsToken;
    if (token && !sameText(request.headers.authorization ?? '', `Bearer ${token}`)) {
      response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'unauthorized', message: 'expected Authorization: Bearer <METRICS_TOKEN>' }));
      return;
    }
    response.writeHead(200, { 'content-type': this.metrics.contentType }).end(await this.metrics.scrape());
  }
}

function sameText(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
