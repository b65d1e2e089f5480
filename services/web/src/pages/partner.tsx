import { lastCompleteMonth, NotFoundError } from '@turnaround/domain';
import { Principal } from '@turnaround/platform';
import { PartnerScorecard } from '@turnaround/read-model';
import { Breadcrumbs } from '../views/breadcrumbs';
import { AsOfForm, AsOfNote, StatusTag, withAsOf } from '../views/parts';
import { ScorecardLines } from '../views/scorecard-lines';
import { Trend, TrendCharts } from '../views/trend-chart';
import { WebReads } from '../web-reads';
import { AlertTable } from './home';
import { AlertRow, ROUTES } from './read';
import { aggregateMetricsOf, alertsOfContracts, SubjectLine, trendsOf, withReadings, withSources } from './subjects';

export interface PartnerView {
  partner: { partnerId: string; name: string; role: string };
  /** The partner scorecard's contracts, each with its cluster lines; undefined for a role that may not read it, or a partner not known yet as of the date. */
  contracts?: (Omit<PartnerScorecard['contracts'][number], 'lines'> & { lines: SubjectLine[] })[];
  years?: PartnerScorecard['years'];
  trends?: Trend[];
  alerts?: AlertRow[];
  /** The last complete month, for the link to each contract's progress report; undefined for a role that reads none. */
  progressMonth?: string;
}

/**
 * A partner: a 404 unless the reader may read it by `GET /api/v1/partners/:partnerId`; its
 * scorecard as `GET /api/v1/partners/:partnerId/scorecard` answers (every contract with its
 * cluster lines by contract year, and how many clusters stood where per school year), its
 * metrics against the state average, and its contracts' alerts.
 */
export async function readPartner(reads: WebReads, principal: Principal, partnerId: string, asOf: Date | undefined): Promise<PartnerView> {
  await reads.access.mustRead(principal, ROUTES.partner, 'partner', partnerId);
  const partner = (await reads.registry.partner(partnerId)) as unknown as PartnerView['partner'];
  const scorecard = (await reads.access.mayRead(principal, ROUTES.partnerScorecard, 'partner', partnerId))
    ? await partnerScorecardOf(reads, partnerId, asOf)
    : undefined;
  const contracts = [];
  for (const contract of scorecard?.contracts ?? [])
    contracts.push({
      ...contract,
      lines: await withReadings(reads, principal, await withSources(reads, principal, contract.contractId, contract.lines), asOf),
    });
  const readings = await aggregateMetricsOf(reads, principal, { kind: 'partner', partnerId }, asOf);
  const trends = readings && (await trendsOf(reads, principal, readings, [], asOf));
  const alerts =
    scorecard &&
    (await alertsOfContracts(
      reads,
      principal,
      scorecard.contracts.map((contract) => contract.contractId),
      asOf,
    ));
  const progressMonth = ['state', 'partner'].includes(principal.role.kind) ? lastCompleteMonth(reads.clock()).month : undefined;
  return { partner, contracts: scorecard && contracts, years: scorecard?.years, trends, alerts, progressMonth };
}

async function partnerScorecardOf(reads: WebReads, partnerId: string, asOf: Date | undefined): Promise<PartnerScorecard | undefined> {
  try {
    return await reads.scorecards.partner(partnerId, asOf);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

export function PartnerPage({ view, asOf, asOfText }: { view: PartnerView; asOf?: Date; asOfText?: string }) {
  const { partner } = view;
  const link = (path: string) => withAsOf(path, asOfText);
  return (
    <>
      <Breadcrumbs trail={[{ href: '/', label: 'Home' }]} current={partner.name} asOfText={asOfText} />
      <h1>{partner.name}</h1>
      <p>
        Partner {partner.partnerId}, {partner.role} partner.
      </p>
      <AsOfNote asOf={asOf} />
      <AsOfForm asOf={asOfText} />
      {view.contracts && (
        <section aria-labelledby="contracts">
          <h2 id="contracts">Contracts</h2>
          {view.contracts.length === 0 && <p>No contract of this partner to show.</p>}
          {view.contracts.map((contract) => (
            <section aria-labelledby={`contract-${contract.contractId}`} data-contract={contract.contractId}>
              <h3 id={`contract-${contract.contractId}`}>
                Contract <a href={link(`/contracts/${encodeURIComponent(contract.contractId)}`)}>{contract.contractId}</a>
              </h3>
              <p>
                Cluster <a href={link(`/clusters/${encodeURIComponent(contract.clusterId)}`)}>{contract.clusterId}</a>, {contract.termYears} years from{' '}
                {contract.startYear} (baseline {contract.baselineYear}),{' '}
                {contract.termination ? `terminated on ${contract.termination.at.slice(0, 10)}` : contract.status}.
              </p>
              {view.progressMonth && (
                <p>
                  <a
                    href={`/contracts/${encodeURIComponent(contract.contractId)}/progress?month=${view.progressMonth}`}
                  >{`Monthly progress report, ${view.progressMonth}`}</a>
                </p>
              )}
              {contract.lines.length === 0 ? (
                <p>No cluster target of this contract.</p>
              ) : (
                <ScorecardLines
                  lines={contract.lines}
                  caption={`The cluster's lines of contract ${contract.contractId} by contract year`}
                  label={`Cluster lines of contract ${contract.contractId}`}
                  asOfText={asOfText}
                />
              )}
            </section>
          ))}
        </section>
      )}
      {view.years && <YearCounts years={view.years} />}
      {view.trends && <TrendCharts subject={partner.name} trends={view.trends} />}
      {view.alerts && (
        <section aria-labelledby="alerts">
          <h2 id="alerts">Alerts</h2>
          {view.alerts.length === 0 ? (
            <p>No alert of this partner's contracts.</p>
          ) : (
            <AlertTable alerts={view.alerts} link={link} caption="Alerts of the partner's contracts, most severe and newest first" />
          )}
        </section>
      )}
    </>
  );
}

const COUNTS = [
  ['missed', 'missed'],
  ['at_risk', 'atRisk'],
  ['pending', 'pending'],
  ['on_track', 'onTrack'],
  ['met', 'met'],
] as const;

/** Per school year, how many of the partner's clusters stood where (each by its worst line), as the partner scorecard counts them. */
function YearCounts({ years }: { years: PartnerScorecard['years'] }) {
  return (
    <section aria-labelledby="years">
      <h2 id="years">Clusters by school year</h2>
      {years.length === 0 ? (
        <p>No cluster line judged yet.</p>
      ) : (
        <table class="usa-table usa-table--borderless partner-years">
          <caption>How many of the partner's clusters met, missed, were at risk, pending or on track each school year (a cluster by its worst line)</caption>
          <thead>
            <tr>
              <th scope="col">School year</th>
              {COUNTS.map(([status]) => (
                <th scope="col">
                  <StatusTag status={status} />
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {years.map((year) => (
              <tr data-school-year={year.schoolYear}>
                <th scope="row">{year.schoolYear}</th>
                {COUNTS.map(([status, field]) => (
                  <td data-status={status} data-value={year[field]}>
                    {year[field]}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
