import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { Access, ApiAnswer, ApiBodyFrom, deliveryAnswer, webhookAnswer, webhookBody } from '@turnaround/platform';
import { WebhookStore } from './webhook-store';

/** A district's webhooks: registered by the state office or the district itself. */
@ApiTags('alerts')
@Access({ roles: ['state', 'district'], scope: 'district' })
@Controller('api/v1/districts/:districtId')
export class WebhooksController {
  constructor(private readonly webhooks: WebhookStore) {}

  /** `{url, secret}`: every alert of the district's schools is POSTed there, signed with the secret (README "Webhooks"). */
  @Post('webhooks')
  @ApiAnswer(webhookAnswer, { status: 201 })
  @ApiBodyFrom(webhookBody, 'a district webhook')
  @HttpCode(201)
  register(@Param('districtId') districtId: string, @Body() body: { url?: unknown; secret?: unknown }) {
    return this.webhooks.register(districtId, body);
  }

  @Get('webhooks')
  @ApiAnswer(webhookAnswer, { list: true })
  list(@Param('districtId') districtId: string) {
    return this.webhooks.list(districtId);
  }

  /** Deliveries in order, with attempts and the last error; `status=dead` lists the dead letters. */
  @Get('webhook-deliveries')
  @ApiAnswer(deliveryAnswer, { list: true })
  @ApiQuery({ name: 'status', required: false, enum: ['pending', 'delivered', 'dead'] })
  deliveries(@Param('districtId') districtId: string, @Query('status') status?: string) {
    return this.webhooks.deliveries(districtId, status);
  }
}
