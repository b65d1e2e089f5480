import { lastCompleteMonth, SEVERITIES, Severity, TargetStatus } from '@turnaround/domain';
import { Principal } from '@turnaround/platform';
import { SchoolFeedCoverage } from '@turnaround/read-model';
import { AsOfForm, AsOfNote, formatValue, STATUSES, StatusTag, withAsOf } from '../views/parts';
import { WebReads } from '../web-reads';
import { AlertRow, alertsOf, bySeverityThenNewest, contractsOf, ROUTES, scorecardOf, statusCounts } from './read';

/** The home page lists this many open alerts and overdue feeds, worst first; the counts cover all. */
const LISTED = 25;

interface GridRow {
  clusterId: string;
  clusterName: string;
  contractId: string;
  partnerId: string;
  /** Per contract year 1..term: how many of the contract's lines (as the reader sees them) have each status. */
  years: { contractYear: number; schoolYear?: string; counts: Record<TargetStatus, number> }[];
}

export interface HomeView {
  zones: { zoneId: string; name: string; rows: GridRow[] }[];
  /** Undefined for a role that reads no alerts. */
  alerts?: { bySeverity: Record<Severity, number>; listed: AlertRow[]; total: number };
  /** Undefined for a role that reads no coverage. */
  overdue?: { listed: SchoolFeedCoverage[]; total: number };
  /** The last complete month, for the link to each contract's progress report; undefined for a role that reads none. */
  progressMonth?: string;
}

/**
 * The home page: each zone's clusters by contract year as a status grid (from the contracts'
 * scorecards), the open alerts by severity, and the schools whose feeds are overdue. A district
 * or partner sees each of these narrowed to its own, as the API lists them.
 */
export async function readHome(reads: WebReads, principal: Principal, asOf: Date | undefined): Promise<HomeView> {
  const zones = (await reads.registry.zones({ owner: reads.access.narrowing(principal, ROUTES.zones) })) as { zoneId: string; name: string }[];
  const clusterOwner = reads.access.narrowing(principal, ROUTES.clusters);
  const contracts = await contractsOf(reads, principal);
  const rowsOfCluster = async (clusterId: string, clusterName: string): Promise<GridRow[]> => {
    const rows: GridRow[] = [];
    for (const contract of contracts.filter((candidate) => candidate.clusterId === clusterId)) {
      const scorecard = await scorecardOf(reads, principal, contract.contractId, asOf);
      if (!scorecard) continue;
      const years = Array.from({ length: scorecard.termYears }, (_, index) => {
        const lines = scorecard.lines.filter((line) => line.contractYear === index + 1);
        return { contractYear: index + 1, schoolYear: lines[0]?.schoolYear, counts: statusCounts(lines) };
      });
      rows.push({ clusterId, clusterName, contractId: contract.contractId, partnerId: contract.partnerId, years });
    }
    return rows;
  };
  const zoneViews = [];
  for (const zone of zones) {
    const clusters = (await reads.registry.clusters({ zoneId: zone.zoneId, owner: clusterOwner })) as { clusterId: string; name: string }[];
    const rows = (await Promise.all(clusters.map((cluster) => rowsOfCluster(cluster.clusterId, cluster.name)))).flat();
    zoneViews.push({ zoneId: zone.zoneId, name: zone.name, rows });
  }

  const open = await alertsOf(reads, principal, { status: 'open', asOf });
  const alerts = open && {
    bySeverity: Object.fromEntries(SEVERITIES.map((severity) => [severity, open.filter((alert) => alert.severity === severity).length])) as Record<
      Severity,
      number
    >,
    listed: [...open].sort(bySeverityThenNewest).slice(0, LISTED),
    total: open.length,
  };

  let overdue: HomeView['overdue'];
  if (reads.access.may(principal, ROUTES.coverage)) {
    const coverage = await reads.coverage.list(reads.config.feedCadences, { asOf, owner: reads.access.narrowing(principal, ROUTES.coverage) }, reads.clock());
    const late = coverage.filter((row) => row.overdue).sort((a, b) => b.daysOverdue - a.daysOverdue || a.schoolId.localeCompare(b.schoolId));
    overdue = { listed: late.slice(0, LISTED), total: late.length };
  }
  const progressMonth = ['state', 'partner', 'district'].includes(principal.role.kind) ? lastCompleteMonth(reads.clock()).month : undefined;
  return { zones: zoneViews, alerts, overdue, progressMonth };
}

export function HomePage({ view, asOf, asOfText }: { view: HomeView; asOf?: Date; asOfText?: string }) {
  const link = (path: string) => withAsOf(path, asOfText);
  return (
    <>
      <h1>Partnership Zones</h1>
      <AsOfNote asOf={asOf} />
      <AsOfForm asOf={asOfText} />
      {view.zones.length === 0 && <p>No zone to show.</p>}
      {view.zones.map((zone) => {
        const term = Math.max(0, ...zone.rows.map((row) => row.years.length));
        return (
          <section class="zone" aria-labelledby={`zone-${zone.zoneId}`} data-zone={zone.zoneId}>
            <h2 id={`zone-${zone.zoneId}`}>
              <a href={link(`/zones/${encodeURIComponent(zone.zoneId)}`)}>{zone.name}</a>
            </h2>
            {zone.rows.length === 0 ? (
              <p>No contract of this zone to show.</p>
            ) : (
              <div class="usa-table-container--scrollable" tabIndex={0} role="region" aria-label={`Status grid of ${zone.name}`}>
                <table class="usa-table usa-table--borderless status-grid">
                  <caption>Targets by status, per cluster and contract year</caption>
                  <thead>
                    <tr>
                      <th scope="col">Cluster</th>
                      <th scope="col">Contract</th>
                      {Array.from({ length: term }, (_, index) => (
                        <th scope="col">Year {index + 1}</th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {zone.rows.map((row) => (
                      <tr data-contract={row.contractId}>
                        <th scope="row">
                          <a href={link(`/clusters/${encodeURIComponent(row.clusterId)}`)}>{row.clusterName}</a>
                        </th>
                        <td>
                          <a href={link(`/contracts/${encodeURIComponent(row.contractId)}`)}>{row.contractId}</a>{' '}
                          <span class="detail">
                            (partner <a href={link(`/partners/${encodeURIComponent(row.partnerId)}`)}>{row.partnerId}</a>)
                          </span>
                          {view.progressMonth && (
                            <span class="detail">
                              <a
                                href={`/contracts/${encodeURIComponent(row.contractId)}/progress?month=${view.progressMonth}`}
                              >{`Progress report, ${view.progressMonth}`}</a>
                            </span>
                          )}
                        </td>
                        {row.years.map((year) => (
                          <td data-contract-year={year.contractYear}>
                            {year.schoolYear && <span class="detail">{year.schoolYear}</span>}
                            <StatusCounts counts={year.counts} />
                          </td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        );
      })}
      {view.alerts && <OpenAlerts alerts={view.alerts} link={link} />}
      {view.overdue && <OverdueFeeds overdue={view.overdue} link={link} />}
    </>
  );
}

function StatusCounts({ counts }: { counts: Record<TargetStatus, number> }) {
  const shown = STATUSES.filter((status) => counts[status] > 0);
  if (shown.length === 0) return <span class="detail">no targets</span>;
  return (
    <ul class="status-counts">
      {shown.map((status) => (
        <li>
          <StatusTag status={status} count={counts[status]} />
        </li>
      ))}
    </ul>
  );
}

function OpenAlerts({ alerts, link }: { alerts: NonNullable<HomeView['alerts']>; link: (path: string) => string }) {
  return (
    <section aria-labelledby="open-alerts">
      <h2 id="open-alerts">Open alerts</h2>
      <ul class="severity-counts">
        {SEVERITIES.map((severity) => (
          <li data-severity={severity} data-count={alerts.bySeverity[severity]}>
            <span class={`usa-tag severity severity--${severity}`}>{severity}</span> {alerts.bySeverity[severity]}
          </li>
        ))}
      </ul>
      {alerts.total === 0 ? (
        <p>No open alert.</p>
      ) : (
        <AlertTable
          alerts={alerts.listed}
          link={link}
          caption={
            alerts.total > alerts.listed.length
              ? `The ${alerts.listed.length} most severe and newest of ${alerts.total} open alerts`
              : 'Open alerts, most severe and newest first'
          }
        />
      )}
    </section>
  );
}

export function AlertTable({ alerts, link, caption }: { alerts: AlertRow[]; link: (path: string) => string; caption: string }) {
  return (
    <table class="usa-table usa-table--borderless alerts">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Severity</th>
          <th scope="col">Subject</th>
          <th scope="col">Metric</th>
          <th scope="col">Contract year</th>
          <th scope="col">Target</th>
          <th scope="col">Actual</th>
          <th scope="col">Status</th>
          <th scope="col">Raised</th>
        </tr>
      </thead>
      <tbody>
        {alerts.map((alert) => (
          <tr data-alert={alert.alertId}>
            <td>
              <span class={`usa-tag severity severity--${alert.severity}`}>{alert.severity}</span>
            </td>
            <td>
              {alert.schoolId ? <a href={link(`/schools/${encodeURIComponent(alert.schoolId)}`)}>school {alert.schoolId}</a> : `cluster ${alert.clusterId}`}
            </td>
            <td>{alert.metric}</td>
            <td>
              {alert.contractYear} ({alert.schoolYear})
            </td>
            <td data-value={alert.target}>{formatValue(alert.target)}</td>
            <td data-value={alert.actual ?? ''}>{formatValue(alert.actual)}</td>
            <td>{alert.status}</td>
            <td>{new Date(alert.raisedAt).toISOString().slice(0, 10)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function OverdueFeeds({ overdue, link }: { overdue: NonNullable<HomeView['overdue']>; link: (path: string) => string }) {
  return (
    <section aria-labelledby="overdue-feeds" data-overdue-total={overdue.total}>
      <h2 id="overdue-feeds">Overdue feeds</h2>
      {overdue.total === 0 ? (
        <p>No school's feed is overdue.</p>
      ) : (
        <table class="usa-table usa-table--borderless">
          <caption>
            {overdue.total > overdue.listed.length
              ? `The ${overdue.listed.length} most overdue of ${overdue.total} school feeds`
              : `${overdue.total} overdue school feeds, most overdue first`}
          </caption>
          <thead>
            <tr>
              <th scope="col">School</th>
              <th scope="col">District</th>
              <th scope="col">Feed</th>
              <th scope="col">Last period received</th>
              <th scope="col">Due by</th>
              <th scope="col">Days overdue</th>
            </tr>
          </thead>
          <tbody>
            {overdue.listed.map((row) => (
              <tr data-school={row.schoolId} data-feed={row.feed}>
                <td>
                  <a href={link(`/schools/${encodeURIComponent(row.schoolId)}`)}>{row.name}</a>
                </td>
                <td>{row.districtId}</td>
                <td>{row.feed}</td>
                <td>{row.lastPeriodEnd ?? 'none'}</td>
                <td>{row.dueBy}</td>
                <td data-value={row.daysOverdue}>{row.daysOverdue}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
