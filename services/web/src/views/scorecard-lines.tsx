import type { SubjectLine } from '../pages/subjects';
import { formatValue, StatusTag, withAsOf } from './parts';

/** The target's kind, which change set it (the contract as signed, its N-th amendment, a renewal) where that is known, and since when. */
function targetSource(line: SubjectLine): string {
  const by = line.setBy === undefined ? '' : `, set by ${line.setBy === 'signed' ? 'the contract as signed' : line.setBy}`;
  return `${line.kind.replace('_', ' ')}${by}${line.targetSince ? `, since ${line.targetSince.slice(0, 10)}` : ''}`;
}

/**
 * Scorecard lines of one or more contracts: target (with the change that set it and since
 * when), actual, status, and the n and small-number flag of the subject's metric that year.
 * Each subject and contract links to its page. The table fits the page's column at a laptop's
 * width (web.css, `.scorecard-lines`); narrower, it scrolls in its region, which the keyboard
 * reaches (tabindex 0) and which has a name.
 */
export function ScorecardLines({ lines, caption, label, asOfText }: { lines: SubjectLine[]; caption: string; label: string; asOfText?: string }) {
  const link = (path: string) => withAsOf(path, asOfText);
  return (
    <div class="usa-table-container--scrollable scorecard-lines" tabIndex={0} role="region" aria-label={label}>
      <table class="usa-table usa-table--borderless scorecard">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Contract</th>
            <th scope="col">Subject</th>
            <th scope="col">Metric</th>
            <th scope="col">Contract year</th>
            <th scope="col">Target</th>
            <th scope="col">Actual</th>
            <th scope="col">Status</th>
            <th scope="col">n</th>
            <th scope="col">Small number</th>
          </tr>
        </thead>
        <tbody>
          {lines.map((line) => (
            <tr
              data-contract={line.contractId}
              data-scope={line.scope}
              data-subject={line.subjectId}
              data-metric={line.metric}
              data-contract-year={line.contractYear}
            >
              <td>
                <a href={link(`/contracts/${encodeURIComponent(line.contractId)}`)}>{line.contractId}</a>
              </td>
              <td>
                <a
                  href={link(`/${line.scope === 'school' ? 'schools' : 'clusters'}/${encodeURIComponent(line.subjectId)}`)}
                >{`${line.scope} ${line.subjectId}`}</a>
              </td>
              <td>{line.metric}</td>
              <td>
                {line.contractYear} ({line.schoolYear})
              </td>
              <td data-value={line.threshold ?? ''}>
                {formatValue(line.threshold)}
                {line.target && <span class="detail">{targetSource(line)}</span>}
              </td>
              <td data-value={line.actual ?? ''}>
                {formatValue(line.actual)}
                {line.evidence === 'leading' && <span class="detail">leading evidence</span>}
              </td>
              <td>
                <StatusTag status={line.status} />
                {line.reason && <span class="detail">{line.reason}</span>}
              </td>
              <td data-value={line.reading?.denominator ?? ''}>{line.reading?.withheld ? 'withheld' : formatValue(line.reading?.denominator)}</td>
              <td data-small={line.reading ? String(line.reading.smallNumber) : ''}>
                {line.reading ? (line.reading.smallNumber ? 'yes: fewer than the minimum n' : 'no') : '–'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
