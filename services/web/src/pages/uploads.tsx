import { FEED_KINDS, FieldIssue } from '@turnaround/domain';
import type { BatchReport, RejectedRecord } from '@turnaround/feeds';
import { formatValue } from '../views/parts';

/** A profile as the picker offers it: `GET /api/v1/feeds/profiles`. */
export interface ProfileChoice {
  name: string;
  description: string;
  feeds?: readonly string[];
}

/** What the upload form says back when the file was not taken: the choices as made, and why. */
export interface UploadForm {
  kind?: string;
  profile?: string;
  problem: string;
}

export interface UploadsView {
  /** Undefined for a role that may read batches but not push a feed. */
  profiles?: ProfileChoice[];
  batches: BatchReport[];
  /** The largest file the browser upload takes; a larger one goes through the API, which streams CSV. */
  limitMb: number;
}

export function UploadsPage({ view, csrf, form }: { view: UploadsView; csrf: string; form?: UploadForm }) {
  return (
    <>
      <h1>Feed uploads</h1>
      {view.profiles && <UploadFormSection profiles={view.profiles} csrf={csrf} form={form} limitMb={view.limitMb} />}
      <section aria-labelledby="batches">
        <h2 id="batches">Recent batches</h2>
        {view.batches.length === 0 ? <p>No feed has been pushed yet.</p> : <BatchTable batches={view.batches} />}
      </section>
    </>
  );
}

function UploadFormSection({ profiles, csrf, form, limitMb }: { profiles: ProfileChoice[]; csrf: string; form?: UploadForm; limitMb: number }) {
  return (
    <section aria-labelledby="upload">
      <h2 id="upload">Upload a feed file</h2>
      {form && (
        <div class="usa-alert usa-alert--error" role="alert">
          <div class="usa-alert__body">
            <h3 class="usa-alert__heading">The file was not taken</h3>
            <p class="usa-alert__text">
              <a href="#file">{form.problem}</a>
            </p>
          </div>
        </div>
      )}
      {/* The script only adds a progress bar: without it the form posts and the report page answers. */}
      <form method="post" action="/uploads" enctype="multipart/form-data" class="usa-form usa-form--large upload-form" data-upload novalidate>
        <input type="hidden" name="csrf" value={csrf} />
        <label class="usa-label" for="kind">
          Feed
        </label>
        <select class="usa-select" id="kind" name="kind">
          {FEED_KINDS.map((kind) => (
            <option value={kind} selected={form?.kind === kind}>
              {kind}
            </option>
          ))}
        </select>
        <label class="usa-label" for="profile">
          Profile (CSV only)
        </label>
        <span class="usa-hint" id="profile-hint">
          how the file's columns map to the feed: canonical when its header names the feed's fields
        </span>
        <select class="usa-select" id="profile" name="profile" aria-describedby="profile-hint">
          {profiles.map((profile) => (
            <option value={profile.name} selected={(form?.profile ?? 'canonical') === profile.name}>
              {`${profile.name}: ${firstSentence(profile.description)}`}
            </option>
          ))}
        </select>
        <div class={`usa-form-group${form ? ' usa-form-group--error' : ''}`}>
          <label class="usa-label" for="file">
            File (CSV or JSON)
          </label>
          <span class="usa-hint" id="file-hint">
            {`.csv with a header row, or .json with an array of records; at most ${limitMb} MB (a larger file goes through the API, which streams CSV)`}
          </span>
          {form && (
            <span class="usa-error-message" id="file-error">
              {form.problem}
            </span>
          )}
          <input
            class="usa-file-input"
            id="file"
            name="file"
            type="file"
            required
            accept=".csv,.json,text/csv,application/json"
            data-limit-bytes={limitMb * 1024 * 1024}
            aria-describedby={form ? 'file-hint file-error' : 'file-hint'}
            aria-invalid={form ? 'true' : undefined}
          />
        </div>
        <div class="upload-progress" hidden>
          <label class="usa-label" for="upload-progress">
            Uploaded
          </label>
          <progress id="upload-progress" max="100" value="0" />
          <span class="upload-progress__words" role="status" aria-live="polite" />
        </div>
        <button class="usa-button" type="submit">
          Upload and check
        </button>
      </form>
      <script src="/assets/upload.js" defer />
    </section>
  );
}

function BatchTable({ batches }: { batches: BatchReport[] }) {
  return (
    <div class="usa-table-container--scrollable" tabIndex={0} role="region" aria-label="Recent batches">
      <table class="usa-table usa-table--borderless batches">
        <caption>{`The ${batches.length} newest batches, newest first`}</caption>
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">Feed</th>
            <th scope="col">Status</th>
            <th scope="col">Accepted</th>
            <th scope="col">Duplicates</th>
            <th scope="col">Restated</th>
            <th scope="col">Rejected rows</th>
            <th scope="col">By</th>
          </tr>
        </thead>
        <tbody>
          {batches.map((batch) => (
            <tr data-batch={batch.batchId}>
              <th scope="row">
                <a href={`/uploads/${encodeURIComponent(batch.batchId)}`}>{batch.startedAt.replace('T', ' ').slice(0, 16)} UTC</a>
              </th>
              <td>{batch.profile ? `${batch.feed} (${batch.profile})` : batch.feed}</td>
              <td>{batch.status}</td>
              <td data-value={batch.accepted}>{formatValue(batch.accepted)}</td>
              <td data-value={batch.duplicates}>{formatValue(batch.duplicates)}</td>
              <td data-value={batch.restated}>{formatValue(batch.restated)}</td>
              <td data-value={batch.rejectedRows}>{formatValue(batch.rejectedRows)}</td>
              <td>
                {batch.channel} <span class="detail">{batch.actor}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const COUNTS = [
  ['accepted', 'Accepted'],
  ['duplicates', 'Duplicates (already stored, unchanged)'],
  ['restated', 'Restated (a stored record corrected)'],
  ['reinstated', 'Reinstated (retracted before: this push brought them back)'],
  ['skipped', 'Skipped (rows the profile leaves out)'],
  ['rejectedRows', 'Rejected rows'],
] as const;

/**
 * A push's report: its counts as `GET /api/v1/feeds/batches` gives them, why the whole file was
 * refused if it was, and each rejected row's problems (line, field, message), the first page of
 * them here and all of them in the CSV to fix and upload again.
 */
export function UploadReportPage({ batch, rejections, listed }: { batch: BatchReport; rejections: RejectedRecord[]; listed: number }) {
  const issues: (FieldIssue & { line: number })[] = rejections.flatMap((rejection) => rejection.issues.map((issue) => ({ ...issue, line: rejection.row })));
  return (
    <>
      <nav class="usa-breadcrumb" aria-label="Breadcrumbs">
        <ol class="usa-breadcrumb__list">
          <li class="usa-breadcrumb__list-item">
            <a class="usa-breadcrumb__link" href="/uploads">
              Feed uploads
            </a>
          </li>
          <li class="usa-breadcrumb__list-item usa-current" aria-current="page">
            Report
          </li>
        </ol>
      </nav>
      <h1>{`Report of the ${batch.feed} push`}</h1>
      <p>{`Batch ${batch.batchId}, ${batch.profile ? `profile ${batch.profile}, ` : ''}started ${batch.startedAt.replace('T', ' ').slice(0, 16)} UTC by ${batch.actor}: ${batch.status}.`}</p>
      <ul class="usa-list batch-counts" data-batch={batch.batchId} data-status={batch.status}>
        {COUNTS.map(([count, words]) => (
          <li data-count={count} data-value={batch[count]}>
            <strong>{formatValue(batch[count])}</strong> {words}
          </li>
        ))}
      </ul>
      {batch.reinstated > 0 && (
        <section aria-labelledby="reinstated">
          <h2 id="reinstated">Reinstated records</h2>
          <p>{`This push brought back ${batch.reinstated} record${batch.reinstated === 1 ? '' : 's'} that had been retracted${batch.reinstatedKeys.length < batch.reinstated ? `; the first ${batch.reinstatedKeys.length} are listed` : ''}. Retract them again if that was not meant.`}</p>
          <ul class="usa-list" data-reinstated={batch.reinstated}>
            {batch.reinstatedKeys.map((key) => (
              <li>
                <code>{key}</code>
              </li>
            ))}
          </ul>
        </section>
      )}
      {batch.warningCount > 0 && (
        <div class="usa-alert usa-alert--warning" data-warnings={batch.warningCount}>
          <div class="usa-alert__body">
            <h2 class="usa-alert__heading">{`Schools that are not registered: ${batch.warningCount}`}</h2>
            <p class="usa-alert__text">Their records are stored, as comparison schools. Register each school if it belongs to a zone.</p>
            <ul class="usa-list">
              {batch.warnings.map((warning) => (
                <li>{`line ${warning.row}, ${warning.field}: ${warning.message}`}</li>
              ))}
            </ul>
          </div>
        </div>
      )}
      {batch.batchIssues.length > 0 && (
        <div class="usa-alert usa-alert--error" role="alert">
          <div class="usa-alert__body">
            <h2 class="usa-alert__heading">The whole file was refused</h2>
            <ul class="usa-list">
              {batch.batchIssues.map((issue) => (
                <li>{`${issue.row !== undefined ? `line ${issue.row}, ` : ''}${issue.field}: ${issue.message}`}</li>
              ))}
            </ul>
          </div>
        </div>
      )}
      {batch.rejectedRows > 0 && (
        <section aria-labelledby="rejected">
          <h2 id="rejected">Rejected rows</h2>
          <p>
            <a class="usa-button usa-button--outline" href={`/uploads/${encodeURIComponent(batch.batchId)}/rejections.csv`} download>
              {`Download the rejected rows (${batch.rejectedRows}, CSV)`}
            </a>
          </p>
          <p class="usa-hint">
            Each row as it was sent, with its line and why in the last two columns: fix the rows, delete those two columns, and upload the file again.
          </p>
          <div class="usa-table-container--scrollable" tabIndex={0} role="region" aria-label="Rejected rows">
            <table class="usa-table usa-table--borderless rejections">
              <caption>
                {rejections.length < batch.rejectedRows
                  ? `The problems of the first ${listed} of ${batch.rejectedRows} rejected rows; the CSV has them all`
                  : 'Each problem of each rejected row, by line'}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Line</th>
                  <th scope="col">Field</th>
                  <th scope="col">Problem</th>
                </tr>
              </thead>
              <tbody>
                {issues.map((issue) => (
                  <tr data-line={issue.line} data-field={issue.field}>
                    <td>{issue.line}</td>
                    <td>{issue.field}</td>
                    <td>{issue.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
      <p>
        <a href="/uploads">Upload another file</a>
      </p>
    </>
  );
}

/** A profile's description up to its first full stop or colon: enough to recognise a file by in the picker. */
function firstSentence(text: string): string {
  return text.split(/[.:](?:\s|$)/)[0];
}
