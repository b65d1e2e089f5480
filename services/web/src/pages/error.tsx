/** A page that could not be shown: what happened in words, and a way on. */
export function ErrorPage({ title, message }: { title: string; message: string }) {
  return (
    <>
      <h1>{title}</h1>
      <div class="usa-alert usa-alert--error" role="alert">
        <div class="usa-alert__body">
          <p class="usa-alert__text">{message}</p>
        </div>
      </div>
      <p>
        <a href="/">Go to the home page</a>
      </p>
    </>
  );
}
