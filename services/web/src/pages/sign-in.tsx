/** The sign-in form: an API key issued to a person, and the form's own token. */
export function SignInPage({ token, problem, notice }: { token: string; problem?: string; notice?: string }) {
  return (
    <div class="sign-in">
      <h1>Sign in</h1>
      <p>
        Sign in with the API key the State Turnaround Office issued to you. The key stays on this computer only as long as the form is sent; the service keeps a
        session instead.
      </p>
      {notice && (
        <div class="usa-alert usa-alert--info usa-alert--slim" role="status">
          <div class="usa-alert__body">
            <p class="usa-alert__text">{notice}</p>
          </div>
        </div>
      )}
      <form method="post" action="/sign-in" class="usa-form usa-form--large" novalidate>
        <input type="hidden" name="csrf" value={token} />
        <div class={`usa-form-group${problem ? ' usa-form-group--error' : ''}`}>
          <label class="usa-label" for="key">
            API key
          </label>
          <span class="usa-hint" id="key-hint">
            It reads tm_ followed by letters and digits.
          </span>
          {problem && (
            <span class="usa-error-message" id="key-error" role="alert">
              {problem}
            </span>
          )}
          <input
            class={`usa-input${problem ? ' usa-input--error' : ''}`}
            id="key"
            name="key"
            type="password"
            autocomplete="current-password"
            required
            aria-describedby={problem ? 'key-hint key-error' : 'key-hint'}
            aria-invalid={problem ? 'true' : undefined}
          />
        </div>
        <button class="usa-button" type="submit">
          Sign in
        </button>
      </form>
      <p>
        No key? The <a href="/report-card">zone report cards</a> are open to everyone.
      </p>
    </div>
  );
}
