import { INestApplication, Module, DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { HttpErrorsFilter, PersistenceModule, TurnaroundConfig } from '@turnaround/platform';
import { RegistryModule } from '@turnaround/registry';
import { HealthController } from './health.controller';

/** Every service module in one process: the embedded default, and what tests start. */
@Module({})
class AllInOneModule {
  static forRoot(config: TurnaroundConfig): DynamicModule {
    return {
      module: AllInOneModule,
      imports: [CqrsModule.forRoot(), PersistenceModule.forRoot(config), RegistryModule],
      controllers: [HealthController],
    };
  }
}

export async function createApp(config: TurnaroundConfig, options: { logger?: false } = {}): Promise<INestApplication> {
  const app = await NestFactory.create(AllInOneModule.forRoot(config), { logger: options.logger ?? ['log', 'warn', 'error'] });
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
