import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiAnswer, ApiBodyFrom, deliveryAnswer, webhookAnswer, webhookBody, webhookSecretAnswer, webhookTestAnswer } from '@turnaround/platform';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookStore } from './webhook-store';

/**
 * A district's webhooks: registered, removed, rotated and tested by the state office or the
 * district itself. A webhook is looked up within the path's district, so one of another district
 * is a 404 whoever asks, as another district's path is for a district key.
 */
@ApiTags('alerts')
@Controller('api/v1/districts/:districtId')
export class WebhooksController {
  constructor(
    private readonly webhooks: WebhookStore,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  /** `{url, secret}`: every alert of the district's schools is POSTed there, signed with the secret (README "Webhooks"); 409 past WEBHOOKS_PER_DISTRICT. */
  @Post('webhooks')
  @ApiAnswer(webhookAnswer, { status: 201 })
  @ApiBodyFrom(webhookBody, 'a district webhook')
  @ApiOperation({
    summary: 'Register a webhook',
    description:
      'Every alert that goes to the district is POSTed to the URL (https, public addresses only), signed with the secret in X-Turnaround-Signature. The secret is never shown again. More webhooks than WEBHOOKS_PER_DISTRICT is a 409.',
  })
  @HttpCode(201)
  register(@Param('districtId') districtId: string, @Body() body: { url?: unknown; secret?: unknown }) {
    return this.webhooks.register(districtId, body);
  }

  @Get('webhooks')
  @ApiAnswer(webhookAnswer, { list: true })
  @ApiOperation({ summary: "List a district's webhooks", description: "The district's webhooks: id, URL and when each was registered (never a secret)." })
  list(@Param('districtId') districtId: string) {
    return this.webhooks.list(districtId);
  }

  /** Stops the webhook's deliveries, pending ones too, and erases its secrets; answers the webhook removed. */
  @Delete('webhooks/:webhookId')
  @ApiAnswer(webhookAnswer, { description: 'the webhook removed' })
  @ApiOperation({
    summary: 'Remove a webhook',
    description: 'Stops its deliveries, pending ones too, and erases its secrets. Answers the webhook removed; one of another district is a 404.',
  })
  remove(@Param('districtId') districtId: string, @Param('webhookId') webhookId: string) {
    return this.webhooks.remove(districtId, webhookId);
  }

  /** Issues a new secret; the one it replaces still signs for SECRET_OVERLAP_HOURS (README "Webhooks"). */
  @Post('webhooks/:webhookId/rotate-secret')
  @HttpCode(200)
  @ApiBody({ required: false, description: 'nothing: the service issues the new secret', schema: { type: 'object' } })
  @ApiAnswer(webhookSecretAnswer)
  @ApiOperation({
    summary: "Rotate a webhook's secret",
    description:
      'Issues a new secret, shown this once; deliveries are signed with it from now on, and the one it replaces signs too (a second v1= value) for SECRET_OVERLAP_HOURS, so the receiver can switch without losing a delivery.',
  })
  rotate(@Param('districtId') districtId: string, @Param('webhookId') webhookId: string) {
    return this.webhooks.rotate(districtId, webhookId);
  }

  /** Sends a signed ping (type WebhookTest) now, checked and signed as every delivery is, and says what came of it. */
  @Post('webhooks/:webhookId/test')
  @HttpCode(200)
  @ApiBody({ required: false, description: 'nothing: the ping is made by the service', schema: { type: 'object' } })
  @ApiAnswer(webhookTestAnswer)
  @ApiOperation({
    summary: 'Test a webhook',
    description: 'Sends a signed ping (type WebhookTest) now, checked and signed as every delivery is, and says whether the receiver answered 2xx, or why not.',
  })
  test(@Param('districtId') districtId: string, @Param('webhookId') webhookId: string) {
    return this.dispatcher.test(districtId, webhookId);
  }

  /** Deliveries in order, with attempts and the last error; `status=dead` lists the dead letters. */
  @Get('webhook-deliveries')
  @ApiAnswer(deliveryAnswer, { list: true })
  @ApiOperation({
    summary: "List a district's webhook deliveries",
    description:
      'Every delivery in order, with its attempts, next attempt, last error and payload; `status=dead` lists the dead letters, which were given up on after the last retry.',
  })
  @ApiQuery({ name: 'status', required: false, enum: ['pending', 'delivered', 'dead'], description: 'only the deliveries in this status' })
  deliveries(@Param('districtId') districtId: string, @Query('status') status?: string) {
    return this.webhooks.deliveries(districtId, status);
  }
}
