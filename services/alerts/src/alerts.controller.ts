import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { NotFoundError, Owner, parseWith, SEVERITIES } from '@turnaround/domain';
import {
  AcknowledgeAlertCommand,
  acknowledgementBody,
  AnsweredFromReadState,
  alertAnswer,
  ApiAnswer,
  ApiBodyFrom,
  Caller,
  NarrowedTo,
  Principal,
  ReadModelRunner,
  RequestContext,
  RequestCtx,
} from '@turnaround/platform';
import { ALERT_STATUSES, AlertQueries, parseAsOf } from '@turnaround/read-model';

const AS_OF = {
  name: 'asOf',
  required: false,
  description: 'an ISO date or time: the alerts as the service knew them then; now when absent',
  example: '2024-03-01',
};

/** Off-track alerts: listed per district, partner, contract, zone, status and severity; acknowledged by a district with a note. */
@ApiTags('alerts')
@Controller('api/v1/alerts')
export class AlertsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly alerts: AlertQueries,
    private readonly readModels: ReadModelRunner,
  ) {}

  @Get()
  @AnsweredFromReadState()
  @ApiAnswer(alertAnswer, { list: true })
  @ApiOperation({
    summary: 'List the off-track alerts',
    description:
      'The alerts raised when a scorecard line enters `at_risk` (early warning) or `missed` (year end), with their severity (warning in contract year 1, serious in year 2, critical from year 3, one step up on a second consecutive miss), status and acknowledgements. Filters combine. A district or partner key sees its own alerts only.',
  })
  @ApiQuery({ name: 'districtId', required: false, description: 'only the alerts that go to this district', example: 'D-0281' })
  @ApiQuery({ name: 'partnerId', required: false, description: "only the alerts of this partner's contracts", example: 'P-LEAD' })
  @ApiQuery({ name: 'contractId', required: false, description: 'only the alerts of this contract', example: 'K-2023-NORTH' })
  @ApiQuery({ name: 'zoneId', required: false, description: 'only the alerts of contracts in this zone', example: 'Z-DEMO' })
  @ApiQuery({ name: 'status', required: false, enum: ALERT_STATUSES, description: 'only the alerts in this status' })
  @ApiQuery({ name: 'severity', required: false, enum: SEVERITIES, description: 'only the alerts of this severity' })
  @ApiQuery(AS_OF)
  list(
    @NarrowedTo() owner?: Owner,
    @Query('districtId') districtId?: string,
    @Query('partnerId') partnerId?: string,
    @Query('contractId') contractId?: string,
    @Query('zoneId') zoneId?: string,
    @Query('status') status?: string,
    @Query('severity') severity?: string,
    @Query('asOf') asOf?: string,
  ) {
    return this.alerts.list({ districtId, partnerId, contractId, zoneId, status, severity, asOf: parseAsOf(asOf), owner });
  }

  @Get(':alertId')
  @ApiAnswer(alertAnswer)
  @ApiOperation({
    summary: 'Read an alert',
    description:
      'One alert: the contract, school or cluster, metric and contract year it is about, the target, the value that raised it and its value now, its severity, status, resolution and acknowledgements.',
  })
  @ApiQuery(AS_OF)
  async get(@Param('alertId') alertId: string, @Query('asOf') asOf?: string) {
    const alert = await this.alerts.alert(alertId, parseAsOf(asOf));
    if (!alert) throw new NotFoundError('alert', alertId);
    return alert;
  }

  @Post(':alertId/acknowledge')
  @ApiAnswer(alertAnswer, { status: 201 })
  @ApiBodyFrom(acknowledgementBody, 'what the district does about the alert')
  @ApiOperation({
    summary: 'Acknowledge an alert',
    description:
      'The district acknowledges the alert with a note saying what it does about it. `by` is recorded as the id of the key that called, and `byName` as the name that key was issued to, never a name the client sends. Answers the alert with its acknowledgements.',
  })
  @HttpCode(201)
  async acknowledge(@Param('alertId') alertId: string, @Body() body: unknown, @Caller() caller: Principal, @RequestCtx() context: RequestContext) {
    const { note } = parseWith(acknowledgementBody, body);
    const written = await this.commands.execute(new AcknowledgeAlertCommand(alertId, caller, note, context));
    return this.readModels.afterAlert(written, () => this.alerts.alert(alertId));
  }
}
