import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { alertAggregate, decideAcknowledgement, NotFoundError, Owner, parseWith, SEVERITIES } from '@turnaround/domain';
import { acknowledgementBody, AggregateStore, AnsweredFromReadState, alertAnswer, ApiAnswer, ApiBodyFrom, Caller, NarrowedTo, Principal, ReadSide, RequestContext, RequestCtx } from '@turnaround/platform';
import { ALERT_STATUSES, AlertQueries, parseAsOf } from '@turnaround/read-model';

const AS_OF = { name: 'asOf', required: false, description: 'an ISO date or time: the alerts as the service knew them then; now when absent' };

/** Off-track alerts: listed per district, partner, contract, zone, status and severity; acknowledged by a district with a note. */
@ApiTags('alerts')
@Controller('api/v1/alerts')
export class AlertsController {
  constructor(
    private readonly alerts: AlertQueries,
    private readonly readSide: ReadSide,
    private readonly aggregates: AggregateStore,
  ) {}

  @Get()
  @AnsweredFromReadState()
  @ApiAnswer(alertAnswer, { list: true })
  @ApiQuery({ name: 'districtId', required: false })
  @ApiQuery({ name: 'partnerId', required: false })
  @ApiQuery({ name: 'contractId', required: false })
  @ApiQuery({ name: 'zoneId', required: false })
  @ApiQuery({ name: 'status', required: false, enum: ALERT_STATUSES })
  @ApiQuery({ name: 'severity', required: false, enum: SEVERITIES })
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
  @ApiQuery(AS_OF)
  async get(@Param('alertId') alertId: string, @Query('asOf') asOf?: string) {
    const alert = await this.alerts.alert(alertId, parseAsOf(asOf));
    if (!alert) throw new NotFoundError('alert', alertId);
    return alert;
  }

  @Post(':alertId/acknowledge')
  @ApiAnswer(alertAnswer, { status: 201 })
  @ApiBodyFrom(acknowledgementBody, 'what the district does about the alert')
  @HttpCode(201)
  async acknowledge(@Param('alertId') alertId: string, @Body() body: unknown, @Caller() caller: Principal, @RequestCtx() context: RequestContext) {
    const { note } = parseWith(acknowledgementBody, body);
    // `by` is the API key that acknowledged (docs/feeds.md) and the name the state office issued it to, never a name the client typed.
    const written = await this.aggregates.handle(alertAggregate, alertId, (alert) => decideAcknowledgement(alert, alertId, caller, note), context);
    return this.readSide.afterAlert(written, () => this.alerts.alert(alertId));
  }
}
