import type { ServerResponse } from 'node:http';
import { Controller, Get, OnModuleInit, Param, Query, Res } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { API_EXAMPLES, Caller, errorAnswer, jsonSchemaOf, Principal, RESEARCH_REQUESTS, ResearchRequests } from '@turnaround/platform';
import { progressFileOf, reviewFileOf } from './report-files';
import { WebReads } from './web-reads';

/**
 * The annual contract review and the monthly progress report (docs/domain.md, the annual review) as
 * self-contained HTML files, for an API key: what `turnaround report contract` and `turnaround
 * report progress` write. The same views as the pages `/contracts/{id}/review` and
 * `/contracts/{id}/progress` (read once per state of the read model for both), so the same
 * readers: the state office, the contract's partner, a district for its schools' part.
 */
@ApiTags('reports')
@Controller('api/v1/contracts')
export class ReportFilesController implements OnModuleInit {
  private research!: ResearchRequests;

  constructor(
    private readonly reads: WebReads,
    private readonly modules: ModuleRef,
  ) {}

  /** Section 4's figures come through the research service's port, as on the page. */
  onModuleInit(): void {
    this.research = this.modules.get<ResearchRequests>(RESEARCH_REQUESTS, { strict: false });
  }

  @Get(':contractId/review')
  @ApiOperation({
    summary: "A contract's annual review, as an HTML file",
    description:
      "The annual contract review of contract years 1 to `year`, the parties' renewal document: one self-contained HTML file (an attachment), its styles and charts inline, printable on A4 or US Letter with no server. The same view as the page /contracts/{contractId}/review; a district sees its own schools' part. X-Turnaround-As-Of says as of when.",
  })
  @ApiQuery({ name: 'year', required: false, description: 'the contract year reviewed, 1 to the term; the latest year with a target when absent', example: 1 })
  @ApiQuery({
    name: 'asOf',
    required: false,
    description: 'an ISO date or time: the review as the service knew it then (knowledge time); now when absent',
    example: '2024-07-01',
  })
  @ApiProduces('text/html')
  @ApiResponse({
    status: 200,
    description:
      'the review of contract years 1 to year as one HTML file (an attachment), its styles and charts inline, printable on A4 or US Letter with no server; X-Turnaround-As-Of says as of when',
    content: {
      'text/html': {
        schema: { type: 'string' },
        example: '<!doctype html><html lang="en"><head><title>K-2023-NORTH: annual review, contract year 1</title>...',
      },
    },
  })
  @ApiResponse({
    status: 'default',
    description: 'a refusal: what was wrong, and for bad input each field',
    content: { 'application/json': { schema: jsonSchemaOf(errorAnswer, 'output'), example: API_EXAMPLES.get(errorAnswer) } },
  })
  async review(
    @Caller() caller: Principal,
    @Param('contractId') contractId: string,
    @Query('year') year: string | undefined,
    @Query('asOf') asOfText: string | undefined,
    @Res({ passthrough: true }) response: ServerResponse,
  ): Promise<string> {
    const file = await reviewFileOf(this.reads, this.research, caller, contractId, year, asOfText);
    response.setHeader('content-type', 'text/html; charset=utf-8');
    response.setHeader('content-disposition', `attachment; filename="${file.fileName}"`);
    response.setHeader('x-turnaround-as-of', file.asOf);
    return file.html;
  }

  @Get(':contractId/progress')
  @ApiOperation({
    summary: "A contract's monthly progress report, as an HTML file",
    description:
      "The monthly progress report: the open contract year's changes in the month (statuses, new evidence, alerts), as one self-contained HTML file (an attachment), its styles inline, printable with no server. The same view as the page /contracts/{contractId}/progress.",
  })
  @ApiQuery({
    name: 'month',
    required: false,
    description: "the month reported, YYYY-MM; the last complete month by the service's clock when absent",
    example: '2024-03',
  })
  @ApiProduces('text/html')
  @ApiResponse({
    status: 200,
    description:
      "the monthly progress report as one HTML file (an attachment), its styles inline, printable with no server: the open contract year's changes in the month",
    content: {
      'text/html': { schema: { type: 'string' }, example: '<!doctype html><html lang="en"><head><title>K-2023-NORTH: progress, March 2024</title>...' },
    },
  })
  @ApiResponse({
    status: 'default',
    description: 'a refusal: what was wrong, and for bad input each field',
    content: { 'application/json': { schema: jsonSchemaOf(errorAnswer, 'output'), example: API_EXAMPLES.get(errorAnswer) } },
  })
  async progress(
    @Caller() caller: Principal,
    @Param('contractId') contractId: string,
    @Query('month') month: string | undefined,
    @Res({ passthrough: true }) response: ServerResponse,
  ): Promise<string> {
    const file = await progressFileOf(this.reads, caller, contractId, month);
    response.setHeader('content-type', 'text/html; charset=utf-8');
    response.setHeader('content-disposition', `attachment; filename="${file.fileName}"`);
    return file.html;
  }
}
