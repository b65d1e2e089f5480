/** A district's webhook as the API lists it. */
export interface WebhookRow {
  webhookId: string;
  districtId: string;
  url: string;
  createdAt: string;
}

/** What an action on the page came to, said once at the top: a notice, a refusal, or a secret shown this once. */
export type WebhookOutcome =
  | { kind: 'notice'; text: string }
  | { kind: 'problem'; text: string }
  | { kind: 'secret'; webhookId: string; secret: string; previousSecretExpiresAt: string };

export interface WebhooksView {
  /** Undefined for the state office until it names a district. */
  districtId?: string;
  /** Whether the reader picks the district (the state office); a district's own is fixed. */
  picksDistrict: boolean;
  webhooks: WebhookRow[];
}

/**
 * A district's webhooks: every alert of its schools is POSTed to each, signed with its secret.
 * Register one, send it a test, rotate its secret (the new one is shown this once) or delete it.
 */
export function WebhooksPage({ view, csrf, outcome }: { view: WebhooksView; csrf: string; outcome?: WebhookOutcome }) {
  const { districtId } = view;
  return (
    <>
      <h1>{districtId ? `Webhooks of district ${districtId}` : 'Webhooks'}</h1>
      <p>
        Every alert of the district's schools and clusters is sent to each webhook, signed with its secret (headers X-Turnaround-Timestamp and
        X-Turnaround-Signature). The address must be https and reach the internet.
      </p>
      {outcome && <Outcome outcome={outcome} />}
      {view.picksDistrict && (
        <form method="get" action="/webhooks" class="usa-form" role="search" aria-label="District">
          <label class="usa-label" for="districtId">
            District
          </label>
          <span class="usa-hint" id="districtId-hint">
            the district's code, as the schools list shows it
          </span>
          <div class="as-of__row">
            <input class="usa-input" id="districtId" name="districtId" value={districtId} aria-describedby="districtId-hint" />
            <button class="usa-button" type="submit">
              Show
            </button>
          </div>
        </form>
      )}
      {districtId && (
        <>
          <section aria-labelledby="registered">
            <h2 id="registered">Registered webhooks</h2>
            {view.webhooks.length === 0 ? <p>No webhook is registered.</p> : <WebhookTable view={view} districtId={districtId} csrf={csrf} />}
          </section>
          <section aria-labelledby="register">
            <h2 id="register">Register a webhook</h2>
            <form method="post" action="/webhooks" class="usa-form usa-form--large" novalidate>
              <input type="hidden" name="csrf" value={csrf} />
              <input type="hidden" name="districtId" value={districtId} />
              <label class="usa-label" for="url">
                Address (https)
              </label>
              <input class="usa-input" id="url" name="url" type="url" required placeholder="https://" />
              <label class="usa-label" for="secret">
                Shared secret
              </label>
              <span class="usa-hint" id="secret-hint">
                at least 16 characters; deliveries are signed with it, and it is never shown again
              </span>
              <input
                class="usa-input"
                id="secret"
                name="secret"
                type="password"
                autocomplete="new-password"
                required
                minLength={16}
                aria-describedby="secret-hint"
              />
              <button class="usa-button" type="submit">
                Register
              </button>
            </form>
          </section>
        </>
      )}
    </>
  );
}

function WebhookTable({ view, districtId, csrf }: { view: WebhooksView; districtId: string; csrf: string }) {
  const action = (webhook: WebhookRow, what: 'test' | 'rotate-secret', label: string, style = '') => (
    <form method="post" action={`/webhooks/${encodeURIComponent(webhook.webhookId)}/${what}`} class="webhook-action">
      <input type="hidden" name="csrf" value={csrf} />
      <input type="hidden" name="districtId" value={districtId} />
      <button class={`usa-button ${style}`.trim()} type="submit" aria-label={`${label}: ${webhook.url}`}>
        {label}
      </button>
    </form>
  );
  return (
    <table class="usa-table usa-table--borderless webhooks">
      <caption>{`${view.webhooks.length} webhooks, oldest first`}</caption>
      <thead>
        <tr>
          <th scope="col">Address</th>
          <th scope="col">Registered</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        {view.webhooks.map((webhook) => (
          <tr data-webhook={webhook.webhookId}>
            <th scope="row">{webhook.url}</th>
            <td>{webhook.createdAt.slice(0, 10)}</td>
            <td class="webhook-actions">
              {action(webhook, 'test', 'Send a test')}
              {action(webhook, 'rotate-secret', 'Rotate the secret', 'usa-button--outline')}
              {/* A link, not a form: deleting asks first, on a page of its own, without a script. */}
              <div class="webhook-action">
                <a class="usa-button usa-button--secondary" href={deleteUrl(webhook, districtId)} aria-label={`Delete: ${webhook.url}`}>
                  Delete
                </a>
              </div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The confirmation page of a webhook's deletion. */
export function deleteUrl(webhook: WebhookRow, districtId: string): string {
  return `/webhooks/${encodeURIComponent(webhook.webhookId)}/delete?${new URLSearchParams({ districtId })}`;
}

/**
 * Asks before a webhook is deleted: which one (its address, its district), and what comes of it.
 * The deletion is the form's POST; Cancel goes back to the list, deleting nothing.
 */
export function WebhookDeletePage({ webhook, csrf, backHref }: { webhook: WebhookRow; csrf: string; backHref: string }) {
  return (
    <>
      <nav class="usa-breadcrumb" aria-label="Breadcrumbs">
        <ol class="usa-breadcrumb__list">
          <li class="usa-breadcrumb__list-item">
            <a class="usa-breadcrumb__link" href={backHref}>
              {`Webhooks of district ${webhook.districtId}`}
            </a>
          </li>
          <li class="usa-breadcrumb__list-item usa-current" aria-current="page">
            Delete a webhook
          </li>
        </ol>
      </nav>
      <h1>Delete this webhook?</h1>
      <dl class="alert-facts webhook-facts" data-webhook={webhook.webhookId}>
        <dt>Address</dt>
        <dd>
          <code>{webhook.url}</code>
        </dd>
        <dt>District</dt>
        <dd>{webhook.districtId}</dd>
        <dt>Registered</dt>
        <dd>{webhook.createdAt.slice(0, 10)}</dd>
      </dl>
      <div class="usa-alert usa-alert--warning" role="region" aria-labelledby="delete-consequence">
        <div class="usa-alert__body">
          <h2 class="usa-alert__heading" id="delete-consequence">
            Deliveries stop
          </h2>
          <p class="usa-alert__text">
            Once it is deleted, no alert is sent to this address any more, and deliveries still waiting for it are dropped. Its secret is deleted too: to
            receive alerts there again, register it anew with a new secret.
          </p>
        </div>
      </div>
      <form method="post" action={`/webhooks/${encodeURIComponent(webhook.webhookId)}/delete`} class="webhook-delete">
        <input type="hidden" name="csrf" value={csrf} />
        <input type="hidden" name="districtId" value={webhook.districtId} />
        <ul class="usa-button-group">
          <li class="usa-button-group__item">
            <button class="usa-button usa-button--secondary" type="submit">
              Delete webhook
            </button>
          </li>
          <li class="usa-button-group__item">
            <a class="usa-button usa-button--outline" href={backHref}>
              Cancel
            </a>
          </li>
        </ul>
      </form>
    </>
  );
}

function Outcome({ outcome }: { outcome: WebhookOutcome }) {
  if (outcome.kind === 'secret')
    return (
      <div class="usa-alert usa-alert--warning" role="status">
        <div class="usa-alert__body">
          <h2 class="usa-alert__heading">The new secret, shown this once</h2>
          <p class="usa-alert__text">
            Copy it to the receiver now: <code data-secret>{outcome.secret}</code>
          </p>
          <p class="usa-alert__text">{`The secret it replaces still signs deliveries until ${outcome.previousSecretExpiresAt.replace('T', ' ').slice(0, 16)} UTC.`}</p>
        </div>
      </div>
    );
  return (
    <div
      class={`usa-alert usa-alert--slim ${outcome.kind === 'problem' ? 'usa-alert--error' : 'usa-alert--success'}`}
      role={outcome.kind === 'problem' ? 'alert' : 'status'}
    >
      <div class="usa-alert__body">
        <p class="usa-alert__text">{outcome.text}</p>
      </div>
    </div>
  );
}
