import { withAsOf } from './parts';

/** Where the page sits on the walk home -> zone -> cluster -> school (or partner -> contract): each step a link that keeps `asOf`, the page itself last. */
export function Breadcrumbs({ trail, current, asOfText }: { trail: { href: string; label: string }[]; current: string; asOfText?: string }) {
  return (
    <nav class="usa-breadcrumb" aria-label="Breadcrumbs">
      <ol class="usa-breadcrumb__list">
        {trail.map((step) => (
          <li class="usa-breadcrumb__list-item">
            <a class="usa-breadcrumb__link" href={withAsOf(step.href, asOfText)}>
              {step.label}
            </a>
          </li>
        ))}
        <li class="usa-breadcrumb__list-item usa-current" aria-current="page">
          {current}
        </li>
      </ol>
    </nav>
  );
}
