import type { EmailMessage, EmailPreview, EmailRecipient } from '@turnaround/platform';

/** What an action on the page came to, said once at the top. */
export type EmailOutcome = { kind: 'notice' | 'problem'; text: string };

export interface EmailSettingsView {
  /** Undefined for the state office until it names a district. */
  districtId?: string;
  picksDistrict: boolean;
  /** Whether a relay is configured (SMTP_URL); without one nothing is sent. */
  sending: boolean;
  recipients: EmailRecipient[];
  /** The dead letters of the district's addresses. */
  dead: EmailMessage[];
  /** Without a relay: the last messages that would go out. */
  preview: EmailPreview[];
}

const DELIVERY: Record<string, string> = { immediate: 'every alert as it happens', digest: 'a daily digest' };
const HOURS = Array.from({ length: 24 }, (_, hour) => hour);

/**
 * A district's alert emails (the district inbox's settings): its addresses, each with its
 * choice of delivery and whether it is confirmed; add one, change one, remove one. Without a
 * relay it says nothing is sent, and shows what would go.
 */
export function EmailSettingsPage({ view, csrf, outcome }: { view: EmailSettingsView; csrf: string; outcome?: EmailOutcome }) {
  const { districtId } = view;
  return (
    <>
      <h1>{districtId ? `Alert emails of district ${districtId}` : 'Alert emails'}</h1>
      <p>
        Each address receives the alerts of the district's schools and clusters: every alert as it happens, or a daily digest at an hour of its choice. Critical
        year-end alerts always go at once. An address receives nothing until it follows the link of the confirmation sent to it, and every message has a
        one-click unsubscribe.
      </p>
      {!view.sending && (
        <div class="usa-alert usa-alert--warning usa-alert--slim" role="status">
          <div class="usa-alert__body">
            <p class="usa-alert__text">No mail relay is configured (SMTP_URL): nothing is sent. The messages that would go out are shown below.</p>
          </div>
        </div>
      )}
      {outcome && (
        <div
          class={`usa-alert usa-alert--slim ${outcome.kind === 'problem' ? 'usa-alert--error' : 'usa-alert--success'}`}
          role={outcome.kind === 'problem' ? 'alert' : 'status'}
        >
          <div class="usa-alert__body">
            <p class="usa-alert__text">{outcome.text}</p>
          </div>
        </div>
      )}
      {view.picksDistrict && (
        <form method="get" action="/inbox/email" class="usa-form" role="search" aria-label="District">
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
          <section aria-labelledby="addresses">
            <h2 id="addresses">Addresses</h2>
            {view.recipients.length === 0 ? (
              <p>No address receives the district's alerts.</p>
            ) : (
              <RecipientTable recipients={view.recipients} districtId={districtId} csrf={csrf} />
            )}
          </section>
          <section aria-labelledby="add">
            <h2 id="add">Add an address</h2>
            <form method="post" action="/inbox/email" class="usa-form usa-form--large">
              <input type="hidden" name="csrf" value={csrf} />
              <input type="hidden" name="districtId" value={districtId} />
              <label class="usa-label" for="address">
                Email address
              </label>
              <input class="usa-input" id="address" name="address" type="email" autocomplete="email" required />
              <DeliveryFields id="new" />
              <button class="usa-button" type="submit">
                Add and send the confirmation
              </button>
            </form>
          </section>
          {view.dead.length > 0 && (
            <section aria-labelledby="dead">
              <h2 id="dead">Messages that could not be sent</h2>
              <table class="usa-table usa-table--borderless">
                <caption>{`${view.dead.length} messages given up after every retry`}</caption>
                <thead>
                  <tr>
                    <th scope="col">Address</th>
                    <th scope="col">Event</th>
                    <th scope="col">Attempts</th>
                    <th scope="col">Last error</th>
                  </tr>
                </thead>
                <tbody>
                  {view.dead.map((message) => (
                    <tr>
                      <th scope="row">{message.address}</th>
                      <td>{message.eventId}</td>
                      <td>{message.attempts}</td>
                      <td>{message.lastError ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          )}
          {!view.sending && (
            <section aria-labelledby="preview">
              <h2 id="preview">Messages that would go out</h2>
              {view.preview.length === 0 ? (
                <p>None is waiting.</p>
              ) : (
                view.preview.map((message, index) => (
                  <article class="email-preview" aria-labelledby={`preview-${index}`}>
                    <h3 id={`preview-${index}`}>{`To ${message.address}: ${message.subject}`}</h3>
                    <pre style="white-space: pre-wrap">{message.text}</pre>
                  </article>
                ))
              )}
            </section>
          )}
        </>
      )}
    </>
  );
}

function DeliveryFields({ id, recipient }: { id: string; recipient?: EmailRecipient }) {
  const digest = recipient?.delivery === 'digest';
  return (
    <fieldset class="usa-fieldset">
      <legend class="usa-legend">Delivery</legend>
      <div class="usa-radio">
        <input class="usa-radio__input" id={`${id}-immediate`} type="radio" name="delivery" value="immediate" checked={!digest} />
        <label class="usa-radio__label" for={`${id}-immediate`}>
          Every alert as it happens
        </label>
      </div>
      <div class="usa-radio">
        <input class="usa-radio__input" id={`${id}-digest`} type="radio" name="delivery" value="digest" checked={digest} />
        <label class="usa-radio__label" for={`${id}-digest`}>
          A daily digest
        </label>
      </div>
      <label class="usa-label" for={`${id}-hour`}>
        Hour of the digest
      </label>
      <span class="usa-hint" id={`${id}-hour-hint`}>
        on the district's clock{recipient ? ` (${recipient.timeZone})` : ''}; critical year-end alerts still go at once
      </span>
      <select class="usa-select" id={`${id}-hour`} name="digestHour" aria-describedby={`${id}-hour-hint`}>
        {HOURS.map((hour) => (
          <option value={String(hour)} selected={(recipient?.digestHour ?? 7) === hour}>{`${String(hour).padStart(2, '0')}:00`}</option>
        ))}
      </select>
    </fieldset>
  );
}

function RecipientTable({ recipients, districtId, csrf }: { recipients: EmailRecipient[]; districtId: string; csrf: string }) {
  return (
    <table class="usa-table usa-table--borderless">
      <caption>{`${recipients.length} addresses, oldest first`}</caption>
      <thead>
        <tr>
          <th scope="col">Address</th>
          <th scope="col">Status</th>
          <th scope="col">Delivery</th>
          <th scope="col">Change</th>
        </tr>
      </thead>
      <tbody>
        {recipients.map((recipient) => (
          <tr data-recipient={recipient.recipientId}>
            <th scope="row">{recipient.address}</th>
            <td>
              <span class="usa-tag">{recipient.status}</span>
            </td>
            <td>
              {recipient.delivery === 'digest'
                ? `a daily digest at ${String(recipient.digestHour).padStart(2, '0')}:00 (${recipient.timeZone})`
                : DELIVERY.immediate}
            </td>
            <td>
              <form
                method="post"
                action={`/inbox/email/${encodeURIComponent(recipient.recipientId)}/delivery`}
                class="usa-form"
                aria-label={`Delivery of ${recipient.address}`}
              >
                <input type="hidden" name="csrf" value={csrf} />
                <input type="hidden" name="districtId" value={districtId} />
                <DeliveryFields id={recipient.recipientId} recipient={recipient} />
                <button class="usa-button usa-button--outline" type="submit" aria-label={`Save the delivery of ${recipient.address}`}>
                  Save
                </button>
              </form>
              <form method="post" action={`/inbox/email/${encodeURIComponent(recipient.recipientId)}/delete`}>
                <input type="hidden" name="csrf" value={csrf} />
                <input type="hidden" name="districtId" value={districtId} />
                <button class="usa-button usa-button--secondary" type="submit" aria-label={`Remove ${recipient.address}`}>
                  Remove
                </button>
              </form>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The page a confirm or unsubscribe link opens: one button that does it (a mail scanner that follows links does nothing), or what came of it. */
export function EmailLinkPage({ purpose, token, done, known }: { purpose: 'confirm' | 'unsubscribe'; token: string; done: boolean; known: boolean }) {
  if (!known)
    return (
      <>
        <h1>This link does not work</h1>
        <p>It may have been cut short when it was copied. Open it again from the message, or ask the district to add the address anew.</p>
      </>
    );
  if (done)
    return (
      <>
        <h1>{purpose === 'confirm' ? 'The address is confirmed' : 'The address is unsubscribed'}</h1>
        <p role="status">
          {purpose === 'confirm'
            ? "It now receives the district's alerts."
            : 'Nothing more is sent to it. The district may add it again; it would be asked to confirm first.'}
        </p>
      </>
    );
  return (
    <>
      <h1>{purpose === 'confirm' ? 'Confirm this address' : 'Unsubscribe this address'}</h1>
      <p>
        {purpose === 'confirm'
          ? "Confirm that this address receives the district's school turnaround alerts."
          : 'Stop every alert email of the district to this address.'}
      </p>
      <form method="post" action={`/email/${purpose}?${new URLSearchParams({ token })}`}>
        <button class="usa-button" type="submit">
          {purpose === 'confirm' ? 'Confirm' : 'Unsubscribe'}
        </button>
      </form>
    </>
  );
}
