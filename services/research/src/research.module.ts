import { Module } from '@nestjs/common';
import { MetricCatalogues } from '@turnaround/domain';
import { METRIC_CATALOGUES, RESEARCH_REQUESTS, SQL_CLIENT, TURNAROUND_CONFIG, TurnaroundConfig } from '@turnaround/platform';
import { SqlClient } from '@turnaround/postgres';
import { ResearchQueries } from '@turnaround/read-model';
import { ResearchAudit } from './research-audit';
import { ResearchController } from './research.controller';
import { HttpResearchRequests } from './research-requests';

/** The researchers' panel and proof points; the read side keeps the tables they read (ReadModelRunnerModule). */
@Module({
  controllers: [ResearchController],
  providers: [
    { provide: ResearchAudit, useFactory: (sql: SqlClient) => ResearchAudit.create(sql), inject: [SQL_CLIENT] },
    {
      provide: HttpResearchRequests,
      useFactory: (sql: SqlClient, config: TurnaroundConfig, catalogues: MetricCatalogues, audit: ResearchAudit) =>
        new HttpResearchRequests(new ResearchQueries(sql), config.nMin, catalogues, audit),
      inject: [SQL_CLIENT, TURNAROUND_CONFIG, METRIC_CATALOGUES, ResearchAudit],
    },
    // The web app's research pages call this port: the same requests as the API's routes.
    { provide: RESEARCH_REQUESTS, useExisting: HttpResearchRequests },
  ],
  exports: [RESEARCH_REQUESTS],
})
export class ResearchModule {}
