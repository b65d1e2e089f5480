import { Principal } from '@turnaround/platform';
import { SchoolFeedCoverage } from '@turnaround/read-model';
import { AsOfForm, AsOfNote, withAsOf } from '../views/parts';
import { WebReads } from '../web-reads';
import { ROUTES } from './read';

export interface CoverageView {
  rows: SchoolFeedCoverage[];
  /** How many of the rows are overdue. */
  overdue: number;
  /** Whether every row is listed, or the overdue ones only (the default: what a data team acts on). */
  all: boolean;
}

/**
 * Coverage as `GET /api/v1/feeds/coverage` answers the reader (a district or partner its own
 * schools): each school's watched feeds, the last period received, and how late the next one is.
 * Listed most overdue first.
 */
export async function readCoverage(reads: WebReads, principal: Principal, asOf: Date | undefined, all: boolean): Promise<CoverageView> {
  const rows = await reads.coverage.list(reads.config.feedCadences, { asOf, owner: reads.access.narrowing(principal, ROUTES.coverage) }, reads.clock());
  const sorted = [...rows].sort((a, b) => b.daysOverdue - a.daysOverdue || a.schoolId.localeCompare(b.schoolId) || a.feed.localeCompare(b.feed));
  const overdue = sorted.filter((row) => row.overdue);
  return { rows: all ? sorted : overdue, overdue: overdue.length, all };
}

export function CoveragePage({ view, asOf, asOfText }: { view: CoverageView; asOf?: Date; asOfText?: string }) {
  const other = view.all ? { href: withAsOf('/coverage', asOfText), words: 'Show the overdue feeds only' } : { href: withAsOf('/coverage?show=all', asOfText), words: 'Show every school and feed' };
  return (
    <>
      <h1>Feed coverage</h1>
      <p>{`Which schools are overdue for which feed: ${view.overdue} overdue.`}</p>
      <AsOfNote asOf={asOf} />
      <AsOfForm asOf={asOfText} keep={view.all ? { show: 'all' } : {}} />
      <p>
        <a href={other.href}>{other.words}</a>
      </p>
      {view.rows.length === 0 ? (
        <p>{view.all ? 'No school has a watched feed.' : "No school's feed is overdue."}</p>
      ) : (
        <div class="usa-table-container--scrollable" tabIndex={0} role="region" aria-label="Feed coverage">
          <table class="usa-table usa-table--borderless coverage">
            <caption>{view.all ? `${view.rows.length} school feeds, most overdue first` : `${view.rows.length} overdue school feeds, most overdue first`}</caption>
            <thead>
              <tr>
                <th scope="col">School</th>
                <th scope="col">District</th>
                <th scope="col">Feed</th>
                <th scope="col">Last period received</th>
                <th scope="col">Next report</th>
                <th scope="col">Due by</th>
                <th scope="col">Overdue</th>
              </tr>
            </thead>
            <tbody>
              {view.rows.map((row) => (
                <tr data-school={row.schoolId} data-feed={row.feed}>
                  <th scope="row">
                    <a href={withAsOf(`/schools/${encodeURIComponent(row.schoolId)}`, asOfText)}>{row.name}</a>
                  </th>
                  <td>{row.districtId}</td>
                  <td>{row.feed}</td>
                  <td data-value={row.lastPeriodEnd ?? ''}>{row.lastPeriodEnd ?? 'none'}</td>
                  <td>{row.nextPeriod}</td>
                  <td data-value={row.dueBy}>{row.dueBy}</td>
                  <td data-value={row.daysOverdue} data-overdue={String(row.overdue)}>
                    {row.overdue ? `overdue, ${row.daysOverdue} days` : 'on time'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
