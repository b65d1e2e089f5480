import { Controller, Get, Param, Query, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { ComponentChildren } from 'preact';
import { parseAsOf } from '@turnaround/read-model';
import { PUBLIC_READER, readReportCard, readReportCardZones, ReportCardPage, ReportCardsPage } from './pages/report-card';
import { Layout, NavItem } from './views/layout';
import { html } from './views/render';
import { WebErrorsFilter } from './web-errors.filter';
import { WebReads } from './web-reads';

/**
 * The public zone report cards: no sign-in, so no session guard (ACCESS_MATRIX marks the routes
 * open), and every read made as the `public` role (PUBLIC_READER). The layout is the signed-out
 * one; an unknown zone is the web's 404 page.
 */
@ApiExcludeController()
@Controller('report-card')
@UseFilters(WebErrorsFilter)
export class ReportCardController {
  constructor(private readonly reads: WebReads) {}

  @Get()
  async zones(): Promise<string> {
    return this.page('Zone report cards', <ReportCardsPage zones={await readReportCardZones(this.reads)} />, true);
  }

  @Get(':zoneId')
  async zone(@Param('zoneId') zoneId: string, @Query('asOf') asOfText?: string): Promise<string> {
    const asOf = parseAsOf(asOfText);
    // Open to anyone, and the same for everyone: kept per state of the read model, as the API's reads are.
    const view = await this.reads.view(PUBLIC_READER, `report-card ${zoneId} ${asOfText}`, () => readReportCard(this.reads, zoneId, asOf));
    return this.page(`Report card: ${view.zone.name}`, <ReportCardPage view={view} asOf={asOf} asOfText={asOfText || undefined} />, false);
  }

  private page(title: string, content: ComponentChildren, listing: boolean): string {
    const nav: NavItem[] = [
      { href: '/report-card', label: 'Zone report cards', current: listing },
      { href: '/sign-in', label: 'Sign in', current: false },
    ];
    return html(
      <Layout title={title} nav={nav}>
        {content}
      </Layout>,
    );
  }
}
