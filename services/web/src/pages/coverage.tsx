import { ValidationError } from '@turnaround/domain';
import { Principal } from '@turnaround/platform';
import { SchoolFeedCoverage } from '@turnaround/read-model';
import { AsOfForm, AsOfNote, withAsOf } from '../views/parts';
import { WebReads } from '../web-reads';
import { ROUTES } from './read';

/** Rows on a page: a state's coverage is thousands of school feeds, more than a person reads or a browser lays out quickly. */
export const COVERAGE_PAGE_ROWS = 100;

export interface CoverageView {
  /** The rows of this page. */
  rows: SchoolFeedCoverage[];
  /** How many rows are listed over every page (every school feed, or the overdue ones). */
  listed: number;
  /** How many school feeds are overdue. */
  overdue: number;
  /** Whether every row is listed, or the overdue ones only (the default: what a data team acts on). */
  all: boolean;
  /** This page (from 1) and how many there are. */
  page: number;
  pages: number;
}

/** `?page=`: absent, the first page; otherwise a whole number from 1. */
export function parseCoveragePage(text: string | undefined): number {
  if (text === undefined || text === '') return 1;
  if (!/^[1-9]\d{0,5}$/.test(text)) throw ValidationError.of('page', `expected a page number, a whole number from 1, got '${text}'`);
  return Number(text);
}

/**
 * Coverage as `GET /api/v1/feeds/coverage` answers the reader (a district or partner its own
 * schools): each school's watched feeds, the last period received, and how late the next one is.
 * Listed most overdue first, a page of COVERAGE_PAGE_ROWS at a time; a page past the last shows the last.
 */
export async function readCoverage(reads: WebReads, principal: Principal, asOf: Date | undefined, all: boolean, page: number): Promise<CoverageView> {
  const rows = await reads.coverage.list(reads.config.feedCadences, { asOf, owner: reads.access.narrowing(principal, ROUTES.coverage) }, reads.clock());
  const sorted = [...rows].sort((a, b) => b.daysOverdue - a.daysOverdue || a.schoolId.localeCompare(b.schoolId) || a.feed.localeCompare(b.feed));
  const overdue = sorted.filter((row) => row.overdue);
  const listed = all ? sorted : overdue;
  const pages = Math.max(1, Math.ceil(listed.length / COVERAGE_PAGE_ROWS));
  const shown = Math.min(page, pages);
  return {
    rows: listed.slice((shown - 1) * COVERAGE_PAGE_ROWS, shown * COVERAGE_PAGE_ROWS),
    listed: listed.length,
    overdue: overdue.length,
    all,
    page: shown,
    pages,
  };
}

export function CoveragePage({ view, asOf, asOfText }: { view: CoverageView; asOf?: Date; asOfText?: string }) {
  const other = view.all
    ? { href: withAsOf('/coverage', asOfText), words: 'Show the overdue feeds only' }
    : { href: withAsOf('/coverage?show=all', asOfText), words: 'Show every school and feed' };
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
            <caption>{`${view.all ? `${view.listed} school feeds` : `${view.listed} overdue school feeds`}, most overdue first${view.pages > 1 ? `: page ${view.page} of ${view.pages}, rows ${(view.page - 1) * COVERAGE_PAGE_ROWS + 1} to ${(view.page - 1) * COVERAGE_PAGE_ROWS + view.rows.length}` : ''}`}</caption>
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
      <Pages view={view} asOfText={asOfText} />
    </>
  );
}

/** The pages of the table (USWDS pagination): previous, each page near this one, the first and last, next. */
function Pages({ view, asOfText }: { view: CoverageView; asOfText?: string }) {
  if (view.pages === 1) return null;
  const href = (page: number) => withAsOf(`/coverage?${new URLSearchParams({ ...(view.all ? { show: 'all' } : {}), page: String(page) })}`, asOfText);
  const near = [...new Set([1, view.page - 2, view.page - 1, view.page, view.page + 1, view.page + 2, view.pages])]
    .filter((page) => page >= 1 && page <= view.pages)
    .sort((a, b) => a - b);
  return (
    <nav aria-label="Pages of the coverage table" class="usa-pagination">
      <ul class="usa-pagination__list">
        {view.page > 1 && (
          <li class="usa-pagination__item usa-pagination__arrow">
            <a href={href(view.page - 1)} class="usa-pagination__link usa-pagination__previous-page" aria-label="Previous page">
              <span class="usa-pagination__link-text">Previous</span>
            </a>
          </li>
        )}
        {near.map((page, index) => (
          <>
            {index > 0 && page > near[index - 1] + 1 && (
              <li class="usa-pagination__item usa-pagination__overflow" aria-label="ellipsis indicating non-visible pages">
                <span>…</span>
              </li>
            )}
            <li class="usa-pagination__item usa-pagination__page-no">
              <a
                href={href(page)}
                class={page === view.page ? 'usa-pagination__button usa-current' : 'usa-pagination__button'}
                aria-label={page === view.pages ? `Last page, page ${page}` : `Page ${page}`}
                aria-current={page === view.page ? 'page' : undefined}
              >
                {page}
              </a>
            </li>
          </>
        ))}
        {view.page < view.pages && (
          <li class="usa-pagination__item usa-pagination__arrow">
            <a href={href(view.page + 1)} class="usa-pagination__link usa-pagination__next-page" aria-label="Next page">
              <span class="usa-pagination__link-text">Next</span>
            </a>
          </li>
        )}
      </ul>
    </nav>
  );
}
