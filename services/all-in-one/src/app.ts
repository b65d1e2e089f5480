import { DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { SwaggerModule } from '@nestjs/swagger';
import {
  asyncApiDocument,
  Clock,
  HttpErrorsFilter,
  JsonBodyLimit,
  MessagingModule,
  openApiDocument,
  PersistenceModule,
  ReadModelRunnerModule,
  TurnaroundConfig,
  useJsonBodies,
} from '@turnaround/platform';
import { FeedsModule } from '@turnaround/feeds-service';
import { NestExpressApplication } from '@nestjs/platform-express';
import { RegistryModule } from '@turnaround/registry-service';
import { MetricsModule } from '@turnaround/metrics-service';
import { AlertsModule } from '@turnaround/alerts-service';
import { ResearchModule } from '@turnaround/research-service';
import { serveWeb, WebModule } from '@turnaround/web-service';
import type { DestinationStream } from 'pino';
import { HealthController } from './health.controller';
import { applyServerTimeouts, securityHeaders } from './http-edge';
import { JsonLogger, requestLogging } from './observability/logging';
import { PrometheusController } from './observability/prometheus.controller';
import { ProjectionsController } from './observability/projections.controller';
import { Readiness } from './observability/readiness';
import { ServiceMetrics } from './observability/service-metrics';
import { refuseUnreadableInput } from './request-input';

/** Every service module in one process: the embedded default, and what tests start. */
@Module({})
class AllInOneModule {
  static forRoot(config: TurnaroundConfig, clock?: Clock): DynamicModule {
    return {
      module: AllInOneModule,
      imports: [
        CqrsModule.forRoot(),
        PersistenceModule.forRoot(config, clock),
        MessagingModule.forRoot(config),
        ReadModelRunnerModule,
        RegistryModule,
        FeedsModule,
        MetricsModule,
        AlertsModule,
        ResearchModule,
        WebModule,
      ],
      controllers: [HealthController, PrometheusController, ProjectionsController],
      providers: [Readiness, ServiceMetrics],
    };
  }
}

/** A feed push: its records are checked one by one by the feed validator, which names the row. */
const isFeedPush = (method: string, path: string) => method === 'POST' && /^\/api\/v1\/feeds\/[^/]+$/.test(path);

/**
 * A JSON feed push is held in memory whole, so it is bounded; CSV is streamed and is not. Every
 * other body is one record (a contract with all its targets is a few kB), so a small limit
 * keeps a large body from tying up the process.
 */
const JSON_BODY_LIMITS: readonly JsonBodyLimit[] = [
  {
    route: isFeedPush,
    bytes: 64 * 1024 * 1024,
    instead: 'send a large feed as text/csv, which is streamed and has no size limit',
    // Parsing 64 MB costs several times that in memory: only for a caller allowed to push.
    admittedAs: 'POST /api/v1/feeds/:kind',
  },
  { route: () => true, bytes: 256 * 1024, instead: 'send one record per request' },
];

/**
 * `clock`: what knowledge times are stamped from; only the demo, loading a simulated history, sets it.
 * `logDestination`: where JSON logs go instead of stdout (tests read them).
 */
export async function createApp(
  config: TurnaroundConfig,
  options: { logger?: false; clock?: Clock; logDestination?: DestinationStream } = {},
): Promise<NestExpressApplication> {
  const jsonLogger = () => new JsonLogger({ destination: options.logDestination, secrets: [config.bootstrapKey, config.metricsToken] });
  const app = await NestFactory.create<NestExpressApplication>(AllInOneModule.forRoot(config, options.clock), {
    logger: options.logger ?? (config.logFormat === 'json' ? jsonLogger() : ['log', 'warn', 'error']),
    abortOnError: false,
    // The API takes JSON and CSV only, each JSON body under the limit of its route (JSON_BODY_LIMITS).
    bodyParser: false,
  });
  // Whom X-Forwarded-Proto is believed from: what decides that a request came over https (HSTS).
  if (config.trustProxy !== undefined) app.set('trust proxy', config.trustProxy);
  applyServerTimeouts(app.getHttpServer(), config.httpTimeouts);
  // Before the body parsers: a body refused for its size has the headers, and is timed and logged too.
  app.use(...securityHeaders(), requestLogging(), app.get(ServiceMetrics).httpTiming());
  useJsonBodies(app, JSON_BODY_LIMITS);
  // The web app's stylesheets and its forms' bodies (urlencoded, for its paths only).
  serveWeb(app);
  app.use(refuseUnreadableInput(isFeedPush));
  app.useGlobalFilters(new HttpErrorsFilter());
  app.enableShutdownHooks();
  const document = openApiDocument(app);
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs/openapi.json' });
  const asyncApi = asyncApiDocument(config);
  app.getHttpAdapter().get('/api/docs/asyncapi.json', (_request, response) => response.json(asyncApi));
  return app;
}
