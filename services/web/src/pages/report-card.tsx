import { Principal } from '@turnaround/platform';
import { Breadcrumbs } from '../views/breadcrumbs';
import { AsOfForm, AsOfNote, withAsOf } from '../views/parts';
import { Trend, TrendCharts } from '../views/trend-chart';
import { WebReads } from '../web-reads';
import { ROUTES } from './read';
import { aggregateMetricsOf, trendsOf } from './subjects';

/**
 * Whoever opens a report card reads it as an API key of the `public` role would: every read
 * takes that role's grant of the route it mirrors, and its metrics are withheld as
 * `PublishedMetrics` withholds them from the public. No key is held: nothing is recorded for it.
 */
export const PUBLIC_READER: Principal = { keyId: 'public', role: { kind: 'public' }, name: 'the public' };

export interface ReportCardZone {
  zoneId: string;
  name: string;
  stateCode: string;
  districtIds: string[];
}

/** Every zone, as `GET /api/v1/zones` lists them for the public. */
export async function readReportCardZones(reads: WebReads): Promise<ReportCardZone[]> {
  return (await reads.registry.zones({ owner: reads.access.narrowing(PUBLIC_READER, ROUTES.zones) })) as unknown as ReportCardZone[];
}

export interface ReportCardView {
  zone: ReportCardZone;
  trends: Trend[];
}

/**
 * A zone's report card: the zone as `GET /api/v1/zones/:zoneId` answers the public (a 404 where
 * it does not), and its metrics by school year as `GET /api/v1/zones/:zoneId/metrics` answers
 * the public, each against the state average (also withheld where it is a small number).
 */
export async function readReportCard(reads: WebReads, zoneId: string, asOf: Date | undefined): Promise<ReportCardView> {
  await reads.access.mustRead(PUBLIC_READER, ROUTES.zone, 'zone', zoneId);
  const zone = (await reads.registry.zone(zoneId)) as unknown as ReportCardZone;
  const readings = (await aggregateMetricsOf(reads, PUBLIC_READER, { kind: 'zone', zoneId }, asOf)) ?? [];
  return { zone, trends: await trendsOf(reads, PUBLIC_READER, readings, [], asOf) };
}

const ABOUT = (
  <p>
    Partnership Zones bring a district's struggling schools together under a Lead Partner's contract. A report card shows how a zone's schools do, all of them
    together, year by year, beside the state average. To protect students' privacy, a number counting too few students is withheld, and so is any number from
    which it could be worked out.
  </p>
);

export function ReportCardsPage({ zones }: { zones: ReportCardZone[] }) {
  return (
    <>
      <h1>Zone report cards</h1>
      {ABOUT}
      {zones.length === 0 ? (
        <p>No zone has been registered yet.</p>
      ) : (
        <ul class="usa-list">
          {zones.map((zone) => (
            <li data-zone={zone.zoneId}>
              <a href={`/report-card/${encodeURIComponent(zone.zoneId)}`}>{zone.name}</a> ({zone.stateCode})
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

export function ReportCardPage({ view, asOf, asOfText }: { view: ReportCardView; asOf?: Date; asOfText?: string }) {
  const { zone, trends } = view;
  return (
    <>
      <Breadcrumbs trail={[{ href: '/report-card', label: 'Zone report cards' }]} current={zone.name} asOfText={asOfText} />
      <h1>Report card: {zone.name}</h1>
      <p>
        Zone {zone.zoneId} in {zone.stateCode}, with schools of {zone.districtIds.length === 1 ? 'district' : 'districts'} {zone.districtIds.join(', ')}.
      </p>
      {ABOUT}
      <AsOfNote asOf={asOf} />
      <AsOfForm asOf={asOfText} />
      <TrendCharts subject={zone.name} trends={trends} />
      <p>
        <a href={withAsOf('/report-card', asOfText)}>Every zone's report card</a>
      </p>
    </>
  );
}
