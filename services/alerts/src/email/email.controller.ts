import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import {
  ApiAnswer,
  ApiBodyFrom,
  DISTRICT_EMAIL,
  DistrictEmail,
  emailDeliveryBody,
  emailMessageAnswer,
  emailRecipientAnswer,
  emailRecipientBody,
} from '@turnaround/platform';

/**
 * A district's email addresses for its alerts: added, changed, removed and their messages listed
 * by the state office or the district itself (README "Alerts by email"). An address is looked up
 * within the path's district, so one of another district is a 404 whoever asks. Confirming and
 * unsubscribing take a signed link instead of a key: the web app's `/email/confirm` and
 * `/email/unsubscribe`.
 */
@ApiTags('alerts')
@Controller('api/v1/districts/:districtId')
export class EmailController {
  constructor(@Inject(DISTRICT_EMAIL) private readonly email: DistrictEmail) {}

  /** `{address, delivery, digestHour?, timeZone?}`: a confirmation goes to the address first, and nothing else until its link is followed; 409 for an address already on the list. */
  @Post('email-recipients')
  @ApiOperation({
    summary: 'Add an address for the district alerts',
    description:
      'Puts an address on the district list: every alert as it happens, or a daily digest at an hour of the district clock (critical year-end alerts always go at once). A message with a confirmation link goes to the address first, and nothing else until the link is followed. 409 for an address already on the list.',
  })
  @ApiAnswer(emailRecipientAnswer, { status: 201 })
  @ApiBodyFrom(emailRecipientBody, 'an address for the district alerts')
  @HttpCode(201)
  add(@Param('districtId') districtId: string, @Body() body: unknown) {
    return this.email.add(districtId, body);
  }

  @Get('email-recipients')
  @ApiOperation({
    summary: 'List the district alert email addresses',
    description: 'Every address of the district, with its delivery, digest hour and time zone, and whether it is unconfirmed, confirmed or unsubscribed.',
  })
  @ApiAnswer(emailRecipientAnswer, { list: true })
  list(@Param('districtId') districtId: string) {
    return this.email.list(districtId);
  }

  /** `{delivery, digestHour?, timeZone?}`: every alert as it happens, or a daily digest at an hour. */
  @Put('email-recipients/:recipientId')
  @ApiOperation({
    summary: 'Change how an address receives the alerts',
    description: 'Every alert as it happens, or a daily digest at an hour (and time zone). An address of another district is a 404.',
  })
  @ApiAnswer(emailRecipientAnswer)
  @ApiBodyFrom(emailDeliveryBody, 'how the address receives the alerts')
  change(@Param('districtId') districtId: string, @Param('recipientId') recipientId: string, @Body() body: unknown) {
    return this.email.change(districtId, recipientId, body);
  }

  /** Takes the address off the list; its messages still waiting are never sent. Answers the address removed. */
  @Delete('email-recipients/:recipientId')
  @ApiOperation({
    summary: 'Take an address off the list',
    description: 'Removes the address; its messages still waiting are never sent. Answers the address removed.',
  })
  @ApiAnswer(emailRecipientAnswer, { description: 'the address removed' })
  remove(@Param('districtId') districtId: string, @Param('recipientId') recipientId: string) {
    return this.email.remove(districtId, recipientId);
  }

  /** The outbox of the district's addresses, in order, with attempts and the last error; `status=dead` lists the dead letters. */
  @Get('email-messages')
  @ApiOperation({
    summary: 'List the district alert emails',
    description:
      'The outbox of the district addresses, oldest first: each confirmation and alert message, its status, attempts, next attempt and the relay last answer. `status=dead` lists the dead letters.',
  })
  @ApiAnswer(emailMessageAnswer, { list: true })
  @ApiQuery({
    name: 'status',
    required: false,
    enum: ['pending', 'sent', 'dead', 'cancelled'],
    description: 'only the messages with this status; every message when absent',
    example: 'dead',
  })
  messages(@Param('districtId') districtId: string, @Query('status') status?: string) {
    return this.email.messages(districtId, status);
  }
}
