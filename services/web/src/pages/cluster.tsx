import { Principal } from '@turnaround/platform';
import { Breadcrumbs } from '../views/breadcrumbs';
import { AsOfForm, AsOfNote, withAsOf } from '../views/parts';
import { ScorecardLines } from '../views/scorecard-lines';
import { Trend, TrendCharts } from '../views/trend-chart';
import { WebReads } from '../web-reads';
import { AlertTable } from './home';
import { AlertRow, ContractRow, contractsOf, ROUTES } from './read';
import { aggregateMetricsOf, alertsOfContracts, contractLines, SubjectLine, trendsOf, withReadings } from './subjects';

export interface ClusterView {
  cluster: { clusterId: string; zoneId: string; name: string };
  zone: { zoneId: string; name: string };
  schools: { schoolId: string; name: string; districtId: string }[];
  contracts: ContractRow[];
  lines: SubjectLine[];
  trends?: Trend[];
  alerts?: AlertRow[];
}

/**
 * A cluster: a 404 unless the reader may read it by `GET /api/v1/clusters/:clusterId`; its
 * schools (as the schools list narrows them), its contracts' cluster lines, its metrics against
 * those lines' targets and the state average, and its contracts' alerts.
 */
export async function readCluster(reads: WebReads, principal: Principal, clusterId: string, asOf: Date | undefined): Promise<ClusterView> {
  await reads.access.mustRead(principal, ROUTES.cluster, 'cluster', clusterId);
  const cluster = (await reads.registry.cluster(clusterId)) as unknown as ClusterView['cluster'];
  const zone = (await reads.registry.zone(cluster.zoneId)) as unknown as ClusterView['zone'];
  const schools = (await reads.registry.schools({ clusterId, owner: reads.access.narrowing(principal, ROUTES.schools) })) as unknown as ClusterView['schools'];
  const contracts = (await contractsOf(reads, principal)).filter((contract) => contract.clusterId === clusterId);
  const contractIds = contracts.map((contract) => contract.contractId);
  const readings = await aggregateMetricsOf(reads, principal, { kind: 'cluster', clusterId }, asOf);
  const lines = await withReadings(
    reads,
    principal,
    await contractLines(reads, principal, contractIds, asOf, 'cluster'),
    asOf,
    new Map([[`cluster|${clusterId}`, readings]]),
  );
  const trends = readings && (await trendsOf(reads, principal, readings, lines, asOf));
  return { cluster, zone, schools, contracts, lines, trends, alerts: await alertsOfContracts(reads, principal, contractIds, asOf) };
}

export function ClusterPage({ view, asOf, asOfText }: { view: ClusterView; asOf?: Date; asOfText?: string }) {
  const { cluster, zone } = view;
  const link = (path: string) => withAsOf(path, asOfText);
  return (
    <>
      <Breadcrumbs
        trail={[
          { href: '/', label: 'Home' },
          { href: `/zones/${encodeURIComponent(zone.zoneId)}`, label: zone.name },
        ]}
        current={cluster.name}
        asOfText={asOfText}
      />
      <h1>{cluster.name}</h1>
      <p>
        Cluster {cluster.clusterId} of <a href={link(`/zones/${encodeURIComponent(zone.zoneId)}`)}>{zone.name}</a>.
        {view.contracts.map((contract) => (
          <>
            {' '}
            Contract <a href={link(`/contracts/${encodeURIComponent(contract.contractId)}`)}>{contract.contractId}</a> with partner{' '}
            <a href={link(`/partners/${encodeURIComponent(contract.partnerId)}`)}>{contract.partnerId}</a>.
          </>
        ))}
      </p>
      <AsOfNote asOf={asOf} />
      <AsOfForm asOf={asOfText} />
      <section aria-labelledby="schools">
        <h2 id="schools">Schools</h2>
        {view.schools.length === 0 ? (
          <p>No school of this cluster to show.</p>
        ) : (
          <ul class="usa-list">
            {view.schools.map((school) => (
              <li data-school={school.schoolId}>
                <a href={link(`/schools/${encodeURIComponent(school.schoolId)}`)}>{school.name}</a>{' '}
                <span class="detail">{`${school.schoolId}, district ${school.districtId}`}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="scorecard">
        <h2 id="scorecard">Scorecard</h2>
        {view.lines.length === 0 ? (
          <p>No target of this cluster to show.</p>
        ) : (
          <ScorecardLines
            lines={view.lines}
            caption="The cluster's targets: target, actual and status per metric and contract year; n is the cluster's"
            label={`Scorecard of ${cluster.name}`}
            asOfText={asOfText}
          />
        )}
      </section>
      {view.trends && <TrendCharts subject={cluster.name} trends={view.trends} />}
      {view.alerts && (
        <section aria-labelledby="alerts">
          <h2 id="alerts">Alerts</h2>
          {view.alerts.length === 0 ? (
            <p>No alert in this cluster.</p>
          ) : (
            <AlertTable alerts={view.alerts} link={link} caption="Alerts of the cluster's contracts and its schools, most severe and newest first" />
          )}
        </section>
      )}
    </>
  );
}
