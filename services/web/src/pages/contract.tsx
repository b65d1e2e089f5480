import { Principal } from '@turnaround/platform';
import { Scorecard } from '@turnaround/read-model';
import { Breadcrumbs } from '../views/breadcrumbs';
import { AsOfForm, AsOfNote, withAsOf } from '../views/parts';
import { ScorecardLines } from '../views/scorecard-lines';
import { WebReads } from '../web-reads';
import { AlertTable } from './home';
import { AlertRow, ROUTES, scorecardOf } from './read';
import { alertsOfContracts, SubjectLine, withReadings, withSources } from './subjects';

export interface ContractView {
  contractId: string;
  /** Undefined where the contract was not known yet as of the date. */
  scorecard?: Omit<Scorecard, 'lines'>;
  lines: SubjectLine[];
  alerts?: AlertRow[];
}

/**
 * A contract: a 404 unless the reader may read it by `GET /api/v1/contracts/:contractId`; its
 * scorecard as `GET /api/v1/contracts/:contractId/scorecard` answers the reader (a district
 * reads its own schools' lines and the cluster's), each line with its subject's n, and its alerts.
 */
export async function readContract(reads: WebReads, principal: Principal, contractId: string, asOf: Date | undefined): Promise<ContractView> {
  await reads.access.mustRead(principal, ROUTES.contract, 'contract', contractId);
  // The state office may read any id: one that names no contract is a 404 all the same.
  await reads.registry.contract(contractId);
  const scorecard = await scorecardOf(reads, principal, contractId, asOf);
  const lines = await withReadings(reads, principal, await withSources(reads, principal, contractId, scorecard?.lines ?? []), asOf);
  return { contractId, scorecard, lines, alerts: await alertsOfContracts(reads, principal, [contractId], asOf) };
}

export function ContractPage({ view, asOf, asOfText }: { view: ContractView; asOf?: Date; asOfText?: string }) {
  const { scorecard } = view;
  const link = (path: string) => withAsOf(path, asOfText);
  return (
    <>
      <Breadcrumbs
        trail={[
          { href: '/', label: 'Home' },
          ...(scorecard ? [{ href: `/partners/${encodeURIComponent(scorecard.partnerId)}`, label: `Partner ${scorecard.partnerId}` }] : []),
        ]}
        current={`Contract ${view.contractId}`}
        asOfText={asOfText}
      />
      <h1>Contract {view.contractId}</h1>
      <AsOfNote asOf={asOf} />
      <AsOfForm asOf={asOfText} />
      {!scorecard ? (
        <p>This contract was not known yet on that date.</p>
      ) : (
        <>
          <p data-contract-status={scorecard.status}>
            Partner <a href={link(`/partners/${encodeURIComponent(scorecard.partnerId)}`)}>{scorecard.partnerId}</a> on cluster{' '}
            <a href={link(`/clusters/${encodeURIComponent(scorecard.clusterId)}`)}>{scorecard.clusterId}</a>, {scorecard.termYears} years from{' '}
            {scorecard.startYear} (baseline {scorecard.baselineYear}),{' '}
            {scorecard.termination ? `terminated on ${scorecard.termination.at.slice(0, 10)}: ${scorecard.termination.reason}` : 'active'}.
          </p>
          <p>
            <a href={link(`/contracts/${encodeURIComponent(view.contractId)}/review`)}>Annual review of this contract</a>
            {' · '}
            <a href={`/contracts/${encodeURIComponent(view.contractId)}/progress`}>Monthly progress report</a>
          </p>
          <section aria-labelledby="scorecard">
            <h2 id="scorecard">Scorecard</h2>
            {view.lines.length === 0 ? (
              <p>No target of this contract to show.</p>
            ) : (
              <ScorecardLines
                lines={view.lines}
                caption="Target, actual and status per subject, metric and contract year; n is the subject's"
                label={`Scorecard of contract ${view.contractId}`}
                asOfText={asOfText}
              />
            )}
          </section>
        </>
      )}
      {view.alerts && (
        <section aria-labelledby="alerts">
          <h2 id="alerts">Alerts</h2>
          {view.alerts.length === 0 ? (
            <p>No alert of this contract.</p>
          ) : (
            <AlertTable alerts={view.alerts} link={link} caption="Alerts of this contract, most severe and newest first" />
          )}
        </section>
      )}
    </>
  );
}
