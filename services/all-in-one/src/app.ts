import { DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { HttpErrorsFilter, MessagingModule, PersistenceModule, TurnaroundConfig } from '@turnaround/platform';
import { FeedsModule } from '@turnaround/feeds-service';
import { NestExpressApplication } from '@nestjs/platform-express';
import { RegistryModule, registryProjection } from '@turnaround/registry';
import { MetricsModule } from '@turnaround/metrics';
import { metricsProjection } from '@turnaround/read-model';
import { Projection } from '@turnaround/event-store';
import { AlertsModule, alertsProjection } from '@turnaround/alerts';
import { HealthController } from './health.controller';

/** Every service module in one process: the embedded default, and what tests start. */
@Module({})
class AllInOneModule {
  static forRoot(config: TurnaroundConfig): DynamicModule {
    return {
      module: AllInOneModule,
      imports: [CqrsModule.forRoot(), PersistenceModule.forRoot(config), MessagingModule.forRoot(config), RegistryModule, FeedsModule, MetricsModule, AlertsModule],
      controllers: [HealthController],
    };
  }
}

/** Every read model of the service, in the order `turnaround replay` rebuilds them. */
export const READ_MODEL_PROJECTIONS: readonly Projection[] = [registryProjection, metricsProjection, alertsProjection];

/** JSON feed arrays can be large; CSV is streamed and not bound by this. */
const JSON_BODY_LIMIT = '64mb';

export async function createApp(config: TurnaroundConfig, options: { logger?: false } = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AllInOneModule.forRoot(config), {
    logger: options.logger ?? ['log', 'warn', 'error'],
    abortOnError: false,
  });
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT });
  app.useGlobalFilters(new HttpErrorsFilter());
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('turnaround-monitor')
      .setDescription('School turnaround in Partnership Zones: registry, feeds, metrics, scorecards and off-track alerts')
      .setVersion('1')
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs/openapi.json' });
  return app;
}
