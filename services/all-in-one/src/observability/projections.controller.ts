import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IllegalStateError, NotFoundError } from '@turnaround/domain';
import { ApiAnswer, LogFollowers } from '@turnaround/platform';
import { Readiness, RUNNER_EXAMPLE, runnerAnswer } from './readiness';

/**
 * The projection runners of this process, for the state office's operators
 * (`npm run turnaround -- projections list|resume NAME --server ...`): a runner parked before a
 * poison event goes on once the fix is deployed.
 */
@ApiTags('ops')
@Controller('api/v1/projections')
export class ProjectionsController {
  constructor(
    private readonly runners: LogFollowers,
    private readonly readiness: Readiness,
  ) {}

  @Get()
  @ApiAnswer(runnerAnswer, { list: true, example: RUNNER_EXAMPLE })
  @ApiOperation({
    summary: 'List the projection runners',
    description:
      "This process's projection runners: leader or standby, the checkpoint each has applied up to, its lag in events and seconds, failures in a row, and, while one is parked before an event it cannot apply, that event and the error.",
  })
  list() {
    return this.readiness.projections();
  }

  /** Follows the log again from the event it parked before; 409 when it is not parked. */
  @Post(':name/resume')
  @HttpCode(200)
  @ApiBody({ required: false, description: 'nothing: the name in the path says which runner', schema: { type: 'object' } })
  @ApiAnswer(runnerAnswer, { example: RUNNER_EXAMPLE })
  @ApiOperation({
    summary: 'Resume a parked projection runner',
    description:
      'A runner parked before a poison event follows the log again from that event, once the fix is deployed. One that is not parked is a 409; an unknown name a 404.',
  })
  async resume(@Param('name') name: string) {
    const runner = this.runners.get(name);
    if (!runner) throw new NotFoundError('projection', name);
    if (!runner.resume()) throw new IllegalStateError(`projection '${name}' is not parked: nothing to resume`);
    return (await this.readiness.projections()).find((projection) => projection.name === name);
  }
}
