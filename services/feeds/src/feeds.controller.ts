import { IncomingMessage } from 'node:http';
import { Body, Controller, DefaultValuePipe, Get, HttpCode, HttpException, HttpStatus, Inject, Param, ParseIntPipe, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiConsumes, ApiQuery, ApiTags } from '@nestjs/swagger';
import { FEED_KINDS, NotFoundError, Owner, parseFeedKind, ValidationError } from '@turnaround/domain';
import { BatchSummary, FeedBatches, FeedContext, ProfileCatalogue } from '@turnaround/feeds';
import { AnsweredFromReadState, ApiAnswer, batchAnswer, Clock, CLOCK, feedAnswer, NarrowedTo, profileAnswer, rejectionsAnswer, RequestContext, RequestCtx, retractionAnswer, SQL_CLIENT, TURNAROUND_CONFIG, TurnaroundConfig } from '@turnaround/platform';
import { SqlClient } from '@turnaround/postgres';
import { CoverageQueries, parseAsOf } from '@turnaround/read-model';
import { z } from 'zod';
import { FeedPayload, IngestFeedCommand, RetractRecordCommand } from './feeds.commands';

const CSV_TYPES = ['text/csv', 'application/csv'];

const coverageAnswer = z.object({
  schoolId: z.string(),
  name: z.string(),
  districtId: z.string(),
  feed: z.enum(FEED_KINDS),
  lastPeriodEnd: z.string().nullable().describe('the latest day a received record reaches (YYYY-MM-DD); null when none arrived'),
  nextPeriod: z.string().describe('the month whose report comes next, YYYY-MM'),
  dueBy: z.string().describe('the last day that report is on time'),
  daysOverdue: z.number().int(),
  overdue: z.boolean(),
});

@ApiTags('feeds')
@Controller('api/v1/feeds')
export class FeedsController {
  private readonly coverage: CoverageQueries;

  constructor(
    private readonly commands: CommandBus,
    private readonly batches: FeedBatches,
    private readonly profiles: ProfileCatalogue,
    @Inject(SQL_CLIENT) sql: SqlClient,
    @Inject(TURNAROUND_CONFIG) private readonly config: TurnaroundConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.coverage = new CoverageQueries(sql);
  }

  @Get('profiles')
  @ApiAnswer(profileAnswer, { list: true })
  listProfiles() {
    return this.profiles.list();
  }

  @Get('batches')
  @ApiAnswer(batchAnswer, { list: true })
  @ApiQuery({ name: 'limit', required: false, description: 'newest first; default 50' })
  listBatches(@Query('limit', new DefaultValuePipe(50), ParseIntPipe) limit: number) {
    return this.batches.recent(Math.min(Math.max(limit, 1), 500));
  }

  /** Every record a batch rejected, with the record as pushed and why, a page at a time in row order. */
  @Get('rejections')
  @ApiAnswer(rejectionsAnswer)
  @ApiQuery({ name: 'batchId', required: true })
  @ApiQuery({ name: 'afterRow', required: false, description: 'the last row of the previous page' })
  @ApiQuery({ name: 'limit', required: false, description: 'default 500, at most 5000' })
  async rejections(
    @Query('batchId') batchId: string | undefined,
    @Query('afterRow', new DefaultValuePipe(0), ParseIntPipe) afterRow: number,
    @Query('limit', new DefaultValuePipe(500), ParseIntPipe) limit: number,
  ) {
    if (!batchId) throw ValidationError.of('batchId', 'expected the batchId a push answered with');
    const batch = await this.batches.report(batchId);
    if (!batch) throw new NotFoundError('feed batch', batchId);
    const rejections = await this.batches.rejections(batchId, { afterRow, limit: Math.min(Math.max(limit, 1), 5000) });
    return { batch, rejections, nextAfterRow: rejections.length === limit ? rejections.at(-1)?.row : null };
  }

  /** Data coverage (docs/domain.md#statuses): per registered school and watched feed, the last period received and how late the next one is. */
  @Get('coverage')
  @AnsweredFromReadState()
  @ApiAnswer(coverageAnswer, { list: true })
  @ApiQuery({ name: 'zoneId', required: false, description: 'the schools in a cluster of the zone in the school year of the reference date' })
  @ApiQuery({ name: 'districtId', required: false })
  @ApiQuery({ name: 'asOf', required: false, description: 'an ISO date or time: the records known then, and late or not on that day; now when absent' })
  listCoverage(@NarrowedTo() owner?: Owner, @Query('zoneId') zoneId?: string, @Query('districtId') districtId?: string, @Query('asOf') asOf?: string) {
    return this.coverage.list(this.config.feedCadences, { zoneId, districtId, asOf: parseAsOf(asOf), owner }, this.clock());
  }

  @Post(':kind')
  @ApiAnswer(feedAnswer)
  @HttpCode(200)
  @ApiConsumes('text/csv', 'application/json')
  @ApiQuery({ name: 'profile', required: false, description: 'vendor mapping profile for CSV (GET /api/v1/feeds/profiles); canonical when absent' })
  @ApiBody({
    description:
      'A JSON array of records (the fields of the feed event) or a CSV file, streamed. Answers {batchId, accepted, duplicates, restated, skipped, rejectedRows, rejected: [{row, field, message}]}; 400 with the same shape when the whole file is refused.',
  })
  async push(
    @Param('kind') kindText: string,
    @Query('profile') profile: string | undefined,
    @Req() request: IncomingMessage & { body?: unknown },
    @Res({ passthrough: true }) response: { status(code: number): unknown },
    @RequestCtx() context: RequestContext,
  ): Promise<BatchSummary> {
    const kind = parseFeedKind(kindText);
    const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    let payload: FeedPayload;
    if (CSV_TYPES.includes(type)) payload = { csv: request };
    else if (type === 'application/json') {
      if (profile) throw ValidationError.of('profile', 'profiles map CSV columns: send text/csv, or push JSON records without ?profile');
      payload = { json: request.body };
    } else throw new HttpException(`expected content-type text/csv or application/json, got '${type || 'none'}'`, HttpStatus.UNSUPPORTED_MEDIA_TYPE);

    const summary = await this.commands.execute(new IngestFeedCommand(kind, payload, profile, feedContext(context)));
    if (summary.status === 'rejected') response.status(HttpStatus.BAD_REQUEST);
    return summary;
  }

  @Post(':kind/retractions')
  @ApiAnswer(retractionAnswer, { status: 201 })
  @HttpCode(201)
  @ApiBody({ description: '{naturalKey, reason}: withdraws a record; the naturalKey is written as in the event metadata recordKey, e.g. 01M015/2010-11/annual/nys/math/all/all' })
  async retract(@Param('kind') kindText: string, @Body() body: { naturalKey?: unknown; reason?: unknown }, @RequestCtx() context: RequestContext) {
    const kind = parseFeedKind(kindText);
    if (typeof body?.naturalKey !== 'string') throw ValidationError.of('naturalKey', 'expected the natural key of the record to withdraw');
    if (typeof body.reason !== 'string') throw ValidationError.of('reason', 'expected why the record is withdrawn');
    return this.commands.execute(new RetractRecordCommand(kind, body.naturalKey, body.reason, feedContext(context)));
  }
}

function feedContext(context: RequestContext): FeedContext {
  return { channel: context.source.channel, actor: context.actor, correlationId: context.correlationId };
}
