import { Principal } from '@turnaround/platform';
import { ShownReading } from '@turnaround/read-model';
import { Breadcrumbs } from '../views/breadcrumbs';
import { AsOfForm, AsOfNote, withAsOf } from '../views/parts';
import { ScorecardLines } from '../views/scorecard-lines';
import { Trend, TrendCharts } from '../views/trend-chart';
import { WebReads } from '../web-reads';
import { AlertTable } from './home';
import { AlertRow, ContractRow, contractsOf, ROUTES } from './read';
import { aggregateMetricsOf, alertsOfContracts, contractLines, SubjectLine, trendsOf, withReadings } from './subjects';

export interface ZoneView {
  zone: { zoneId: string; name: string; stateCode: string; districtIds: string[] };
  clusters: { clusterId: string; name: string }[];
  contracts: ContractRow[];
  /** The cluster lines of the zone's contracts the reader may read. */
  lines: SubjectLine[];
  /** Undefined for a role that may not read the zone's metrics or alerts. */
  trends?: Trend[];
  alerts?: AlertRow[];
}

/**
 * A zone: a 404 unless the reader may read it by `GET /api/v1/zones/:zoneId`; its clusters (as
 * the clusters list narrows them), the cluster lines of their contracts, the zone's metrics
 * against the state average (a zone has no target of its own), and its contracts' alerts.
 */
export async function readZone(reads: WebReads, principal: Principal, zoneId: string, asOf: Date | undefined): Promise<ZoneView> {
  await reads.access.mustRead(principal, ROUTES.zone, 'zone', zoneId);
  const zone = (await reads.registry.zone(zoneId)) as unknown as ZoneView['zone'];
  const clusters = (await reads.registry.clusters({ zoneId, owner: reads.access.narrowing(principal, ROUTES.clusters) })) as ZoneView['clusters'];
  const clusterIds = new Set(clusters.map((cluster) => cluster.clusterId));
  const contracts = (await contractsOf(reads, principal)).filter((contract) => clusterIds.has(contract.clusterId));
  const contractIds = contracts.map((contract) => contract.contractId);
  const lines = await withReadings(reads, principal, await contractLines(reads, principal, contractIds, asOf, 'cluster'), asOf);
  const readings: ShownReading[] | undefined = await aggregateMetricsOf(reads, principal, { kind: 'zone', zoneId }, asOf);
  const trends = readings && (await trendsOf(reads, principal, readings, [], asOf));
  return { zone, clusters, contracts, lines, trends, alerts: await alertsOfContracts(reads, principal, contractIds, asOf) };
}

export function ZonePage({ view, asOf, asOfText }: { view: ZoneView; asOf?: Date; asOfText?: string }) {
  const { zone } = view;
  const link = (path: string) => withAsOf(path, asOfText);
  return (
    <>
      <Breadcrumbs trail={[{ href: '/', label: 'Home' }]} current={zone.name} asOfText={asOfText} />
      <h1>{zone.name}</h1>
      <p>
        Zone {zone.zoneId} in {zone.stateCode}, districts {zone.districtIds.join(', ')}.
      </p>
      <AsOfNote asOf={asOf} />
      <AsOfForm asOf={asOfText} />
      <section aria-labelledby="clusters">
        <h2 id="clusters">Clusters</h2>
        {view.clusters.length === 0 ? (
          <p>No cluster of this zone to show.</p>
        ) : (
          <ul class="usa-list">
            {view.clusters.map((cluster) => (
              <li data-cluster={cluster.clusterId}>
                <a href={link(`/clusters/${encodeURIComponent(cluster.clusterId)}`)}>{cluster.name}</a>
                {view.contracts
                  .filter((contract) => contract.clusterId === cluster.clusterId)
                  .map((contract) => (
                    <>
                      {' '}
                      · contract <a href={link(`/contracts/${encodeURIComponent(contract.contractId)}`)}>{contract.contractId}</a> with partner{' '}
                      <a href={link(`/partners/${encodeURIComponent(contract.partnerId)}`)}>{contract.partnerId}</a>
                    </>
                  ))}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="scorecard">
        <h2 id="scorecard">Scorecard</h2>
        {view.lines.length === 0 ? (
          <p>No cluster target of this zone to show.</p>
        ) : (
          <ScorecardLines
            lines={view.lines}
            caption="The clusters' targets: target, actual and status per metric and contract year; n is the cluster's"
            label={`Scorecard of ${zone.name}`}
            asOfText={asOfText}
          />
        )}
      </section>
      {view.trends && <TrendCharts subject={zone.name} trends={view.trends} />}
      {view.alerts && (
        <section aria-labelledby="alerts">
          <h2 id="alerts">Alerts</h2>
          {view.alerts.length === 0 ? (
            <p>No alert in this zone.</p>
          ) : (
            <AlertTable alerts={view.alerts} link={link} caption="Alerts of the zone's contracts, most severe and newest first" />
          )}
        </section>
      )}
    </>
  );
}
