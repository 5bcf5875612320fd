/**
 * Chart geometry for server-rendered charts (views/stats/_line-chart.ejs, _bar-chart.ejs). No chart
 * library and no JavaScript: the figures are computed here and the templates only place elements,
 * so charts render on any phone, print crisply and stay escaped like every other output.
 *
 * Why text is HTML and only the lines are SVG: a fixed-size drawing scaled down to a 360 px phone
 * shrinks its text with it (11 px in a 640-wide drawing shown at 330 px is under 6 px). The line
 * chart's plot is an SVG that stretches to its box (preserveAspectRatio="none", strokes with
 * vector-effect="non-scaling-stroke"), and its axis labels are HTML placed by percentage, so they
 * keep the page's font size at any width. Bars are HTML rows whose labels wrap to full length.
 */

/** The plot's drawing units (the SVG stretches to whatever box the page gives it). */
export const PLOT_W = 1000;
export const PLOT_H = 200;
/** At most this many date labels: five "30/11" labels fit a 360 px phone without touching. */
export const MAX_X_LABELS = 5;

export interface LineSeries {
  key: string;
  label: string;
  values: number[];
}

export interface LineChart {
  width: number;
  height: number;
  series: Array<{
    key: string;
    label: string;
    path: string;
    points: Array<{ x: number; y: number; value: number; label: string }>;
  }>;
  /** `pct`: position along the x axis (0–100); the first label hangs right, the last hangs left. */
  xLabels: Array<{ pct: number; text: string; align: 'start' | 'middle' | 'end' }>;
  /** `pct`: distance from the top of the plot (0–100). */
  yTicks: Array<{ pct: number; text: string }>;
  /** The longest y label, to size the axis column. */
  yWidest: string;
  empty: boolean;
}

/** A "nice" axis maximum and step (1, 2, 5 × 10^n) for `ticks` gridlines. */
export function niceScale(max: number, ticks = 4): { max: number; step: number } {
  if (max <= 0) return { max: ticks, step: 1 };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  return { max: Math.ceil(max / step) * step, step };
}

/**
 * Indices of at most `max` labels spread evenly over `n` points, always the first and the last.
 * (Every k-th label plus the last one put "30/11" on top of "01/12".)
 */
export function labelIndices(n: number, max = MAX_X_LABELS): number[] {
  if (n <= 0) return [];
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const out = new Set<number>();
  for (let i = 0; i < max; i++) out.add(Math.round((i * (n - 1)) / (max - 1)));
  return [...out];
}

/**
 * `drawn`: how many leading points have happened (the days of the current month still to come are
 * on the axis but not drawn — zeros there would look like a collapse).
 */
export function lineChart(
  labels: string[],
  series: LineSeries[],
  format: (n: number) => string = String,
  drawn: number = labels.length,
): LineChart {
  const n = labels.length;
  const shown = Math.max(0, Math.min(drawn, n));
  const all = series.flatMap((s) => s.values.slice(0, shown));
  const { max, step } = niceScale(Math.max(0, ...all));
  const r1 = (v: number) => Math.round(v * 10) / 10;
  const xPct = (i: number) => (n <= 1 ? 50 : (100 * i) / (n - 1));
  const x = (i: number) => r1((PLOT_W * xPct(i)) / 100);
  const y = (v: number) => r1(PLOT_H - (PLOT_H * v) / max);
  const yTicks = [];
  for (let v = 0; v <= max + step / 2; v += step) yTicks.push({ pct: r1(100 - (100 * v) / max), text: format(v) });
  const last = labelIndices(n).length - 1;
  const xLabels = labelIndices(n).map((i, k) => ({
    pct: r1(xPct(i)),
    text: labels[i],
    align: (n > 1 && k === 0 ? 'start' : n > 1 && k === last ? 'end' : 'middle') as 'start' | 'middle' | 'end',
  }));
  return {
    width: PLOT_W,
    height: PLOT_H,
    series: series.map((s) => {
      const points = s.values.slice(0, shown).map((v, i) => ({ x: x(i), y: y(v), value: v, label: labels[i] }));
      return { key: s.key, label: s.label, points, path: points.map((p, i) => `${i ? 'L' : 'M'}${p.x},${p.y}`).join(' ') };
    }),
    xLabels,
    yTicks,
    yWidest: yTicks.reduce((w, t) => (t.text.length > w.length ? t.text : w), ''),
    empty: all.every((v) => v === 0),
  };
}

export interface BarChart {
  /** `pct`: the bar's length as a share of the longest (0–100); labels are full, never cut. */
  bars: Array<{ label: string; value: number; text: string; pct: number }>;
}

/** Horizontal bars (long Vietnamese place names need the room a label row gives). */
export function barChart(rows: Array<{ label: string; value: number }>, format: (n: number) => string = String): BarChart {
  const max = Math.max(1, ...rows.map((r) => r.value));
  return {
    bars: rows.map((r) => ({
      label: r.label,
      value: r.value,
      text: format(r.value),
      pct: r.value > 0 ? Math.max(0.5, Math.round((1000 * r.value) / max) / 10) : 0,
    })),
  };
}
