import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { MetricsReadModel } from './metrics-read-model';

/** The metrics projection and the metric and scorecard reads. */
@Module({ controllers: [MetricsController], providers: [MetricsReadModel], exports: [MetricsReadModel] })
export class MetricsModule {}
