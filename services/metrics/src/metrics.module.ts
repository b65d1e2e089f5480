import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';

/** The metric and scorecard reads; the read side keeps their tables (ReadModelRunnerModule). */
@Module({ controllers: [MetricsController] })
export class MetricsModule {}
