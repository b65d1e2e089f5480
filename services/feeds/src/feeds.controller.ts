import { IncomingMessage } from 'node:http';
import {
  Body,
  Controller,
  DefaultValuePipe,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  ParseIntPipe,
  Post,
  Query,
  Req,
  Res,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { FEED_KINDS, idSchema, NotFoundError, Owner, parseFeedKind, schoolYearSchema, ValidationError } from '@turnaround/domain';
import { BatchSummary, DryRunSummary, FeedBatches, FeedRecords, ProfileCatalogue } from '@turnaround/feeds';
import {
  AnsweredFromReadState,
  ApiAnswer,
  ApiBodyFrom,
  batchAnswer,
  Clock,
  CLOCK,
  CSV_TYPES,
  EVENT_STORE,
  feedAnswer,
  FeedPayload,
  feedPushBody,
  feedRecordsAnswer,
  IngestFeedCommand,
  mediaTypeOf,
  NarrowedTo,
  profileAnswer,
  rejectionsAnswer,
  RequestContext,
  RequestCtx,
  retractionAnswer,
  retractionBody,
  SQL_CLIENT,
  TURNAROUND_CONFIG,
  TurnaroundConfig,
  unreadableBodyType,
} from '@turnaround/platform';
import { EventStore } from '@turnaround/event-store';
import { SqlClient } from '@turnaround/postgres';
import { CoverageQueries, parseAsOf } from '@turnaround/read-model';
import { z } from 'zod';
import { RetractRecordCommand } from './feeds.commands';

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
const coverageExample = {
  schoolId: 'S-0001',
  name: 'Chestnut Middle School',
  districtId: 'D-0281',
  feed: 'attendance',
  lastPeriodEnd: '2024-01-31',
  nextPeriod: '2024-02',
  dueBy: '2024-03-15',
  daysOverdue: 0,
  overdue: false,
};

@ApiTags('feeds')
@Controller('api/v1/feeds')
export class FeedsController {
  private readonly coverage: CoverageQueries;
  private readonly records: FeedRecords;

  constructor(
    private readonly commands: CommandBus,
    private readonly batches: FeedBatches,
    private readonly profiles: ProfileCatalogue,
    @Inject(SQL_CLIENT) sql: SqlClient,
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(TURNAROUND_CONFIG) private readonly config: TurnaroundConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.coverage = new CoverageQueries(sql);
    this.records = new FeedRecords(store);
  }

  @Get('profiles')
  @ApiAnswer(profileAnswer, { list: true })
  @ApiOperation({
    summary: 'List the CSV mapping profiles',
    description:
      'Every vendor mapping profile a CSV push may name with `?profile=`: its name, description, the feeds it maps, its columns (vendor column to field), the columns it ignores, its constants and value maps. `canonical`, the default, reads a header of field names.',
  })
  listProfiles() {
    return this.profiles.list();
  }

  @Get('batches')
  @ApiAnswer(batchAnswer, { list: true })
  @ApiOperation({
    summary: 'List the recent feed pushes',
    description:
      'The latest pushes (batches), newest first: feed, profile, who pushed it and how, its status (running, completed, rejected, failed, or interrupted: push the file again), when it started and finished, and its counts.',
  })
  @ApiQuery({ name: 'limit', required: false, description: 'at most this many batches, newest first: 1-500; 50 when absent', example: 50 })
  listBatches(@Query('limit', new DefaultValuePipe(50), ParseIntPipe) limit: number) {
    return this.batches.recent(Math.min(Math.max(limit, 1), 500));
  }

  /** Every record a batch rejected, with the record as pushed and why, a page at a time in row order. */
  @Get('rejections')
  @ApiAnswer(rejectionsAnswer)
  @ApiOperation({
    summary: "A push's rejected rows",
    description:
      'Every row a push rejected, in row order, a page at a time: its row (CSV line, or position in a JSON array), the record as pushed (its first 200 characters a value; the first 1000 rejected rows of a batch keep their record) and each reason, by field. Page on with `afterRow=nextAfterRow` until it is null.',
  })
  @ApiQuery({
    name: 'batchId',
    required: true,
    description: 'the batchId the push answered with (or GET /api/v1/feeds/batches lists)',
    example: '0b6f1d2e-8c44-4a51-9e37-5a0c2f7d91b3',
  })
  @ApiQuery({
    name: 'afterRow',
    required: false,
    description: 'the rows after this one: the nextAfterRow of the previous page; from the first row when absent',
    example: 0,
  })
  @ApiQuery({ name: 'limit', required: false, description: 'at most this many rows: 1-5000; 500 when absent', example: 500 })
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
  @ApiAnswer(coverageAnswer, { list: true, example: coverageExample })
  @ApiOperation({
    summary: 'Data coverage: which feeds are late',
    description:
      'For each registered school and each watched feed: the last period received, the next report owed, the day it is due by, and how many days it is overdue. A feed a school never sent is owed from the month the school was registered. A district or partner key sees its own schools only.',
  })
  @ApiQuery({
    name: 'zoneId',
    required: false,
    description: 'only the schools in a cluster of the zone in the school year of the reference date',
    example: 'Z-DEMO',
  })
  @ApiQuery({ name: 'districtId', required: false, description: 'only the schools of this district', example: 'D-0281' })
  @ApiQuery({
    name: 'asOf',
    required: false,
    description: 'an ISO date or time: the records known then, and late or not on that day; now when absent',
    example: '2024-03-01',
  })
  listCoverage(@NarrowedTo() owner?: Owner, @Query('zoneId') zoneId?: string, @Query('districtId') districtId?: string, @Query('asOf') asOf?: string) {
    return this.coverage.list(this.config.feedCadences, { zoneId, districtId, asOf: parseAsOf(asOf), owner }, this.clock());
  }

  /** What is stored of a feed for one school and school year, read from its feed stream. */
  @Get(':kind/records')
  @ApiAnswer(feedRecordsAnswer)
  @ApiOperation({
    summary: "A school year's stored feed records",
    description:
      'Every record of the feed stored for one school and school year, in natural key order, a page at a time: its natural key (what a retraction names), the values in force, the batch and channel that stored them and who pushed them, their knowledge time, when the key was first learned and how many times it was stored. A retracted record is listed, marked `retracted`, with when, by whom and why. With `asOf`, the records as the service knew them then. Page on with `after=nextAfter` until it is null.',
  })
  @ApiQuery({ name: 'schoolId', required: true, description: 'the school, as the records name it (registered or not)', example: 'S-0001' })
  @ApiQuery({ name: 'schoolYear', required: true, description: 'the school year, YYYY-YY (attendance: the year its periods fall in)', example: '2023-24' })
  @ApiQuery({
    name: 'asOf',
    required: false,
    description: 'an ISO date or time: the records as known then (knowledge time); now when absent',
    example: '2024-03-01',
  })
  @ApiQuery({
    name: 'after',
    required: false,
    description: 'the records after this natural key: the nextAfter of the previous page; from the first when absent',
    example: 'S-0001/2023-09-01/2023-09-30',
  })
  @ApiQuery({ name: 'limit', required: false, description: 'at most this many records: 1-1000; 200 when absent', example: 200 })
  async listRecords(
    @Param('kind') kindText: string,
    @Query('schoolId') schoolId: string | undefined,
    @Query('schoolYear') schoolYear: string | undefined,
    @Query('asOf') asOfText: string | undefined,
    @Query('after') after: string | undefined,
    @Query('limit', new DefaultValuePipe(200), ParseIntPipe) limit: number,
  ) {
    const kind = parseFeedKind(kindText);
    if (!schoolId || !idSchema.safeParse(schoolId).success)
      throw ValidationError.of('schoolId', `expected the id of the school whose records to list, got '${schoolId ?? ''}'`);
    if (!schoolYear || !schoolYearSchema.safeParse(schoolYear).success)
      throw ValidationError.of('schoolYear', `expected a school year written YYYY-YY, e.g. 2023-24, got '${schoolYear ?? ''}'`);
    if (limit < 1 || limit > 1000) throw ValidationError.of('limit', `expected 1 to 1000 records a page, got ${limit}`);
    const asOf = parseAsOf(asOfText);
    const page = await this.records.list(kind, { schoolId, schoolYear, asOf, after: after || undefined, limit });
    return { feed: kind, schoolId, schoolYear, asOf: asOf?.toISOString() ?? null, ...page };
  }

  @Post(':kind')
  @ApiAnswer(feedAnswer)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Push a feed',
    description:
      'Stores a school-level feed, as a JSON array of records or as CSV (streamed, so a large file is never held in memory). Each record is checked on its own and stored once: the same record again is a duplicate, the same natural key with other values a restatement that supersedes it, and a record whose key was retracted is reinstated (counted, and its key listed, apart from the restatements). The answer counts what was stored, names each rejected row by row and field, and warns of each school id that is not registered (stored all the same, as a comparison school). A file refused whole (a student-level column, an unmapped column, a missing required column) is a 400 with the same answer, and nothing of it is stored. Everything pushed together is judged together once the push is complete. With `dryRun=true` every record is checked and counted the same way, and nothing is stored: no event, no batch.',
    requestBody: feedPushBody(),
  })
  @ApiQuery({
    name: 'profile',
    required: false,
    description:
      'CSV only: the vendor mapping profile the header is read by (GET /api/v1/feeds/profiles); canonical when absent. A JSON push with a profile is a 400',
    example: 'nyc-doe-math',
  })
  @ApiQuery({
    name: 'dryRun',
    required: false,
    description: 'true: validate and count only, against what is stored now; nothing is stored and the answer has no batchId. false when absent',
    example: false,
  })
  async push(
    @Param('kind') kindText: string,
    @Query('profile') profile: string | undefined,
    @Query('dryRun') dryRunText: string | undefined,
    @Req() request: IncomingMessage & { body?: unknown },
    @Res({ passthrough: true }) response: { status(code: number): unknown },
    @RequestCtx() context: RequestContext,
  ): Promise<BatchSummary | DryRunSummary> {
    const kind = parseFeedKind(kindText);
    if (dryRunText !== undefined && dryRunText !== 'true' && dryRunText !== 'false')
      throw ValidationError.of('dryRun', `expected true or false, got '${dryRunText}'`);
    const type = mediaTypeOf(request.headers['content-type']);
    let payload: FeedPayload;
    if (CSV_TYPES.includes(type)) payload = { csv: request };
    else if (type === 'application/json') {
      if (profile) throw ValidationError.of('profile', 'profiles map CSV columns: send text/csv, or push JSON records without ?profile');
      payload = { json: request.body };
    } else throw new UnsupportedMediaTypeException(unreadableBodyType(type, true));

    const summary = await this.commands.execute(new IngestFeedCommand(kind, payload, profile, context, dryRunText === 'true'));
    if (summary.status === 'rejected') response.status(HttpStatus.BAD_REQUEST);
    return summary;
  }

  @Post(':kind/retractions')
  @ApiAnswer(retractionAnswer, { status: 201 })
  @HttpCode(201)
  @ApiBodyFrom(retractionBody, 'the record withdrawn, by its natural key, and why')
  @ApiOperation({
    summary: 'Retract a feed record',
    description:
      "Withdraws one record of the feed: nothing is deleted, the metrics stop counting it from now on (an earlier `asOf` still sees it), and the scorecards and alerts follow. The natural key is the record's `metadata.source.recordKey`: its key fields joined by `/` (GET /api/v1/feeds/{kind}/records lists them); an assessment code may be written in any case, as a push takes it. An unknown key is a 404; a key already retracted is a 409 that says when, by whom and why (push the record again to reinstate it).",
  })
  async retract(@Param('kind') kindText: string, @Body() body: { naturalKey?: unknown; reason?: unknown }, @RequestCtx() context: RequestContext) {
    const kind = parseFeedKind(kindText);
    if (typeof body?.naturalKey !== 'string') throw ValidationError.of('naturalKey', 'expected the natural key of the record to withdraw');
    if (typeof body.reason !== 'string') throw ValidationError.of('reason', 'expected why the record is withdrawn');
    return this.commands.execute(new RetractRecordCommand(kind, body.naturalKey, body.reason, context));
  }
}
