import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { alertAggregate, decideAcknowledgement, NotFoundError, ValidationError } from '@turnaround/domain';
import { Access, Caller, Principal, AggregateStore, RequestContext, RequestCtx } from '@turnaround/platform';
import { ALERT_STATUSES, AlertsService } from './alerts.service';

/** Off-track alerts: listed per district and status; acknowledged by the district with a note. */
@ApiTags('alerts')
@Controller('api/v1/alerts')
export class AlertsController {
  constructor(
    private readonly alerts: AlertsService,
    private readonly aggregates: AggregateStore,
  ) {}

  @Access({ roles: ['state', 'researcher', 'district'], district: 'own' })
  @Get()
  @ApiQuery({ name: 'districtId', required: false })
  @ApiQuery({ name: 'status', required: false, enum: ALERT_STATUSES })
  @ApiQuery({ name: 'contractId', required: false })
  list(@Caller() caller: Principal, @Query('districtId') districtId?: string, @Query('status') status?: string, @Query('contractId') contractId?: string) {
    // A district sees its own alerts only, whatever it asks for.
    return this.alerts.list({ districtId: caller.role.kind === 'district' ? caller.role.districtId : districtId, status, contractId });
  }

  @Access({ roles: ['state', 'researcher', 'district'], district: 'alert' })
  @Get(':alertId')
  async get(@Param('alertId') alertId: string) {
    const alert = await this.alerts.alert(alertId);
    if (!alert) throw new NotFoundError('alert', alertId);
    return alert;
  }

  @Access({ roles: ['state', 'district'], district: 'alert' })
  @Post(':alertId/acknowledge')
  @HttpCode(201)
  async acknowledge(@Param('alertId') alertId: string, @Body() body: { note?: unknown }, @RequestCtx() context: RequestContext) {
    if (typeof body?.note !== 'string' || body.note.trim() === '') throw ValidationError.of('note', 'expected a note saying what the district does about the alert');
    const written = await this.aggregates.handle(alertAggregate, alertId, (alert) => decideAcknowledgement(alert, alertId, context.actor, body.note as string), context);
    return this.alerts.after(written, () => this.alerts.alert(alertId));
  }
}
