import { Module } from '@nestjs/common';
import { SQL_CLIENT } from '@turnaround/platform';
import { SqlClient } from '@turnaround/postgres';
import { ResearchAudit } from './research-audit';
import { ResearchController } from './research.controller';

/** The researchers' panel and proof points; the read side keeps the tables they read (ReadSideModule). */
@Module({
  controllers: [ResearchController],
  providers: [{ provide: ResearchAudit, useFactory: (sql: SqlClient) => ResearchAudit.create(sql), inject: [SQL_CLIENT] }],
})
export class ResearchModule {}
