import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiAnswer, healthAnswer, Public, SQL_CLIENT } from '@turnaround/platform';
import { SqlClient } from '@turnaround/postgres';

@ApiTags('ops')
@Controller('health')
export class HealthController {
  constructor(@Inject(SQL_CLIENT) private readonly sql: SqlClient) {}

  /** 200 when the database answers; the error filter turns a failure into 500. */
  @Get()
  @ApiAnswer(healthAnswer)
  @Public()
  async health() {
    await this.sql.query('SELECT 1');
    return { status: 'ok', database: this.sql.kind };
  }
}
