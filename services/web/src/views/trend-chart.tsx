import * as echarts from 'echarts';
import { formatValue } from './parts';

/** One school year of a metric's trend: the subject's value as the reader may see it, the target in force that year, and the state average. */
export interface TrendPoint {
  schoolYear: string;
  /** The rate (or count), null where there is none or it is withheld from this reader. */
  value: number | null;
  /** The value's n (its denominator), null where withheld. */
  n: number | null;
  smallNumber: boolean;
  withheld: boolean;
  /** Undefined: no value that year at all. */
  final?: boolean;
  target: number | null;
  state: number | null;
  /** The never-treated comparison schools' mean, on the charts that show it (the contract review); null where withheld or none. */
  comparison?: number | null;
}

export interface Trend {
  metric: string;
  points: TrendPoint[];
}

/** The drawing's size in SVG units; the stylesheet scales it to the page's width (it keeps its viewBox). */
const WIDTH = 720;
const HEIGHT = 300;

/**
 * Series colours are USWDS tokens that stand 4.5:1 or more on white, and each series differs by
 * more than its colour (WCAG 1.4.1), so a grey print or a colour-blind reader tells them apart:
 * the subject a solid line with round marks, the target dashed with square marks, the state
 * average dotted with triangles, the comparison schools' mean dash-dotted with diamonds, and each
 * named in text at its line's end and in the legend (the target's name above its end, the
 * state's and the comparison's below, so they stay apart where they meet).
 */
const SERIES = {
  subject: { color: '#005ea2', type: 'solid', symbol: 'circle', labelOffset: [4, 0] },
  target: { color: '#1b1b1b', type: 'dashed', symbol: 'rect', labelOffset: [4, -10] },
  state: { color: '#5c5c5c', type: 'dotted', symbol: 'triangle', labelOffset: [4, 10] },
  // Dash-dot, the fourth pattern a grey print tells apart.
  comparison: { color: '#54278f', type: [8, 3, 2, 3], symbol: 'diamond', labelOffset: [4, 22] },
} as const;

const FONT = 'Source Sans Pro Web, Helvetica Neue, Helvetica, Roboto, Arial, sans-serif';

/**
 * One metric of a school, cluster, zone or partner over school years, against its target line
 * and the state average, drawn as SVG on the server with Apache ECharts (no script reaches the
 * browser). The drawing is one image with a text alternative that says the trend in words; its
 * numbers are in a table one click away (a `<details>`, which opens by keyboard and without
 * script, and prints open).
 */
export function TrendChart({ subject, trend }: { subject: string; trend: Trend }) {
  const { metric, points } = trend;
  const hasTarget = points.some((point) => point.target !== null);
  const hasState = points.some((point) => point.state !== null);
  const hasComparison = points.some((point) => point.comparison !== undefined);
  return (
    <figure class="trend-chart" data-metric={metric}>
      <figcaption>
        <strong>{metric}</strong> of {subject}, by school year
      </figcaption>
      <div class="trend-chart__drawing" role="img" aria-label={describeTrend(subject, trend)} dangerouslySetInnerHTML={{ __html: drawTrend(subject, trend) }} />
      <details class="trend-chart__numbers">
        <summary>The numbers of this chart</summary>
        <table class="usa-table usa-table--borderless usa-table--compact trend-chart__table" data-metric={metric}>
          <caption>{`${metric} of ${subject}, by school year${hasTarget ? ', with the target' : ''}${hasState ? ' and the state average' : ''}${hasComparison ? ", and the comparison schools' mean" : ''}`}</caption>
          <thead>
            <tr>
              <th scope="col">School year</th>
              <th scope="col">Value</th>
              <th scope="col">n</th>
              <th scope="col">Small number</th>
              <th scope="col">Final</th>
              <th scope="col">Target</th>
              <th scope="col">State average</th>
              {hasComparison && <th scope="col">Comparison schools' mean</th>}
            </tr>
          </thead>
          <tbody>
            {points.map((point) => (
              <tr data-school-year={point.schoolYear}>
                <th scope="row">{point.schoolYear}</th>
                <td data-value={point.value ?? ''}>{point.withheld ? 'withheld' : formatValue(point.value)}</td>
                <td data-value={point.n ?? ''}>{point.withheld ? 'withheld' : formatValue(point.n)}</td>
                <td data-small={point.final === undefined ? '' : String(point.smallNumber)}>
                  {point.final === undefined ? '–' : point.smallNumber ? 'yes' : 'no'}
                </td>
                <td>{point.final === undefined ? '–' : point.final ? 'final' : 'partial'}</td>
                <td data-value={point.target ?? ''}>{formatValue(point.target)}</td>
                <td data-value={point.state ?? ''}>{formatValue(point.state)}</td>
                {hasComparison && <td data-value={point.comparison ?? ''}>{formatValue(point.comparison)}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

/** The value axis's ends: room beyond the values, rounded to the room's own order of magnitude, so the labels stay short. */
function roomAround(min: number, max: number): [number, number] {
  const room = max > min ? (max - min) / 4 : Math.abs(max) / 20 || 0.05;
  const step = 10 ** Math.floor(Math.log10(room));
  const round = (value: number) => Number(value.toPrecision(12));
  return [round(Math.floor((min - room) / step) * step), round(Math.ceil((max + room) / step) * step)];
}

/** The chart as an SVG string. ECharts escapes the text it draws; the labels are metric names, school years and fixed words. */
function drawTrend(subject: string, { points }: Trend): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height: HEIGHT });
  const line = (name: string, style: (typeof SERIES)[keyof typeof SERIES], data: (number | null)[]) => ({
    name,
    type: 'line' as const,
    data,
    color: style.color,
    symbol: style.symbol,
    symbolSize: 8,
    showSymbol: true,
    connectNulls: false,
    lineStyle: { type: typeof style.type === 'string' ? style.type : [...style.type], width: style.type === 'solid' ? 3 : 2 },
    endLabel: { show: true, formatter: name, color: style.color, fontFamily: FONT, fontSize: 13, offset: [...style.labelOffset] },
  });
  chart.setOption({
    animation: false,
    textStyle: { fontFamily: FONT, color: '#1b1b1b' },
    legend: { top: 0, left: 0, textStyle: { fontSize: 13, color: '#1b1b1b' } },
    grid: { left: 56, right: 120, top: 40, bottom: 32 },
    xAxis: {
      type: 'category',
      data: points.map((point) => point.schoolYear),
      axisLabel: { color: '#1b1b1b', fontSize: 13 },
      axisLine: { lineStyle: { color: '#1b1b1b' } },
    },
    yAxis: {
      type: 'value',
      scale: true,
      // A quarter of the values' spread beyond them (a twentieth of the value when they are all
      // one, as in a single school year): ECharts' own range around one value runs far past it.
      min: ({ min, max }: { min: number; max: number }) => roomAround(min, max)[0],
      max: ({ min, max }: { min: number; max: number }) => roomAround(min, max)[1],
      axisLabel: { color: '#1b1b1b', fontSize: 13 },
      splitLine: { lineStyle: { color: '#dfe1e2' } },
    },
    series: [
      line(
        subject,
        SERIES.subject,
        points.map((point) => point.value),
      ),
      ...(points.some((point) => point.target !== null)
        ? [
            line(
              'Target',
              SERIES.target,
              points.map((point) => point.target),
            ),
          ]
        : []),
      ...(points.some((point) => point.state !== null)
        ? [
            line(
              'State average',
              SERIES.state,
              points.map((point) => point.state),
            ),
          ]
        : []),
      ...(points.some((point) => point.comparison !== undefined && point.comparison !== null)
        ? [
            line(
              'Comparison schools',
              SERIES.comparison,
              points.map((point) => point.comparison ?? null),
            ),
          ]
        : []),
    ],
    aria: { enabled: false },
  });
  const svg = chart.renderToSVGString({ useViewBox: true });
  chart.dispose();
  // The figure is the image and carries its alternative: the drawing inside is hidden from the accessibility tree.
  return svg.replace('<svg ', '<svg aria-hidden="true" focusable="false" ');
}

/** The text alternative: what the line did from its first known year to its last, and where it ends against the target and the state. */
function describeTrend(subject: string, { metric, points }: Trend): string {
  const known = points.filter((point) => point.value !== null);
  const words = [`${metric} of ${subject}`];
  if (known.length === 0) words.push(points.some((point) => point.withheld) ? 'is withheld in every year (small numbers)' : 'has no value yet');
  else {
    const [first, last] = [known[0], known[known.length - 1]];
    const change = (last.value as number) - (first.value as number);
    words.push(
      known.length === 1
        ? `was ${formatValue(first.value)} in ${first.schoolYear}`
        : `went from ${formatValue(first.value)} in ${first.schoolYear} to ${formatValue(last.value)} in ${last.schoolYear} (${change > 0 ? 'up' : change < 0 ? 'down' : 'no change'})`,
    );
    if (last.target !== null) words.push(`against a target of ${formatValue(last.target)} that year`);
    if (last.state !== null) words.push(`and a state average of ${formatValue(last.state)}`);
    if (last.comparison !== undefined && last.comparison !== null) words.push(`and a comparison schools' mean of ${formatValue(last.comparison)}`);
  }
  const targets = points.filter((point) => point.target !== null);
  if (targets.length > 0 && (known.length === 0 || known[known.length - 1].target === null))
    words.push(`targets: ${targets.map((point) => `${formatValue(point.target)} in ${point.schoolYear}`).join(', ')}`);
  return `${words.join(' ')}.`;
}

/** A subject's trend charts, one per metric, under one heading. */
export function TrendCharts({ subject, trends }: { subject: string; trends: Trend[] }) {
  return (
    <section aria-labelledby="trends" class="trend-charts">
      <h2 id="trends">Trends</h2>
      {trends.length === 0 ? (
        <p>No metric of {subject} to chart yet.</p>
      ) : (
        <>
          <p>
            Each metric by school year against its target (dashed) and the state average over every school that reported (dotted). Small numbers are withheld
            where the rules say.
          </p>
          {trends.map((trend) => (
            <TrendChart subject={subject} trend={trend} />
          ))}
        </>
      )}
    </section>
  );
}
