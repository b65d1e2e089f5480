import { Controller, Get, Param, Query, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { parseAsOf } from '@turnaround/read-model';
import { Viewer } from './http';
import { ClusterPage, readCluster } from './pages/cluster';
import { ContractPage, readContract } from './pages/contract';
import { PartnerPage, readPartner } from './pages/partner';
import { readZone, ZonePage } from './pages/zone';
import { CurrentViewer, WebSessionGuard } from './sessions/web-session.guard';
import { renderViewPage } from './views/page';
import { WebPage } from './views/web-page';
import { WebErrorsFilter } from './web-errors.filter';
import { WebReads } from './web-reads';

/**
 * The pages of the walk zone -> cluster -> school, and of contracts and partners: scorecards,
 * trend charts and alerts. Each takes `?asOf=` and reads it as the API does (`parseAsOf`).
 */
@ApiExcludeController()
@Controller()
@UseGuards(WebSessionGuard)
@UseFilters(WebErrorsFilter)
export class SubjectsController {
  constructor(private readonly reads: WebReads) {}

  @Get('zones/:zoneId')
  async zone(@CurrentViewer() viewer: Viewer, @Param('zoneId') zoneId: string, @Query('asOf') asOfText?: string): Promise<WebPage> {
    const asOf = parseAsOf(asOfText);
    const view = await this.reads.view(viewer.principal, `zone ${zoneId} ${asOfText}`, () => readZone(this.reads, viewer.principal, zoneId, asOf));
    return renderViewPage(this.reads.access, viewer, '/zones', view.zone.name, view, () => (
      <ZonePage view={view} asOf={asOf} asOfText={asOfText || undefined} />
    ));
  }

  @Get('clusters/:clusterId')
  async cluster(@CurrentViewer() viewer: Viewer, @Param('clusterId') clusterId: string, @Query('asOf') asOfText?: string): Promise<WebPage> {
    const asOf = parseAsOf(asOfText);
    const view = await this.reads.view(viewer.principal, `cluster ${clusterId} ${asOfText}`, () => readCluster(this.reads, viewer.principal, clusterId, asOf));
    return renderViewPage(this.reads.access, viewer, '/clusters', view.cluster.name, view, () => (
      <ClusterPage view={view} asOf={asOf} asOfText={asOfText || undefined} />
    ));
  }

  @Get('contracts/:contractId')
  async contract(@CurrentViewer() viewer: Viewer, @Param('contractId') contractId: string, @Query('asOf') asOfText?: string): Promise<WebPage> {
    const asOf = parseAsOf(asOfText);
    const view = await this.reads.view(viewer.principal, `contract ${contractId} ${asOfText}`, () =>
      readContract(this.reads, viewer.principal, contractId, asOf),
    );
    return renderViewPage(this.reads.access, viewer, '/contracts', `Contract ${contractId}`, view, () => (
      <ContractPage view={view} asOf={asOf} asOfText={asOfText || undefined} />
    ));
  }

  @Get('partners/:partnerId')
  async partner(@CurrentViewer() viewer: Viewer, @Param('partnerId') partnerId: string, @Query('asOf') asOfText?: string): Promise<WebPage> {
    const asOf = parseAsOf(asOfText);
    const view = await this.reads.view(viewer.principal, `partner ${partnerId} ${asOfText}`, () => readPartner(this.reads, viewer.principal, partnerId, asOf));
    return renderViewPage(this.reads.access, viewer, '/partners', view.partner.name, view, () => (
      <PartnerPage view={view} asOf={asOf} asOfText={asOfText || undefined} />
    ));
  }
}
