import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';

/** The metric and scorecard reads; the read side keeps their tables (ReadSideModule). */
@Module({ controllers: [MetricsController] })
export class MetricsModule {}
