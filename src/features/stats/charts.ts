/**
 * Chart geometry for server-rendered SVG (views/stats/_line-chart.ejs, _bar-chart.ejs). No chart
 * library and no JavaScript: the figures are computed here and the templates only place elements,
 * so charts render on any phone, print crisply and stay escaped like every other output.
 */

export interface LineSeries {
  key: string;
  label: string;
  values: number[];
}

export interface LineChart {
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  series: Array<{ key: string; label: string; path: string; points: Array<{ x: number; y: number; value: number }> }>;
  xLabels: Array<{ x: number; text: string }>;
  yTicks: Array<{ y: number; text: string }>;
  empty: boolean;
}

const W = 640;
const H = 260;
const PAD = { left: 48, right: 12, top: 12, bottom: 36 };

/** A "nice" axis maximum and step (1, 2, 5 × 10^n) for `ticks` gridlines. */
export function niceScale(max: number, ticks = 4): { max: number; step: number } {
  if (max <= 0) return { max: ticks, step: 1 };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  return { max: Math.ceil(max / step) * step, step };
}

export function lineChart(labels: string[], series: LineSeries[], format: (n: number) => string = String): LineChart {
  const plot = { left: PAD.left, top: PAD.top, right: W - PAD.right, bottom: H - PAD.bottom };
  const all = series.flatMap((s) => s.values);
  const { max, step } = niceScale(Math.max(0, ...all));
  const n = labels.length;
  const x = (i: number) => (n <= 1 ? (plot.left + plot.right) / 2 : plot.left + ((plot.right - plot.left) * i) / (n - 1));
  const y = (v: number) => plot.bottom - ((plot.bottom - plot.top) * v) / max;
  const r1 = (v: number) => Math.round(v * 10) / 10;
  const yTicks = [];
  for (let v = 0; v <= max + step / 2; v += step) yTicks.push({ y: r1(y(v)), text: format(v) });
  // At most ~8 labels so they never overlap on a phone.
  const every = Math.max(1, Math.ceil(n / 8));
  const xLabels = labels.map((text, i) => ({ x: r1(x(i)), text })).filter((_, i) => i % every === 0 || i === n - 1);
  return {
    width: W,
    height: H,
    plot,
    series: series.map((s) => {
      const points = s.values.map((v, i) => ({ x: r1(x(i)), y: r1(y(v)), value: v }));
      return { key: s.key, label: s.label, points, path: points.map((p, i) => `${i ? 'L' : 'M'}${p.x},${p.y}`).join(' ') };
    }),
    xLabels,
    yTicks,
    empty: all.every((v) => v === 0),
  };
}

export interface BarChart {
  width: number;
  height: number;
  labelWidth: number;
  bars: Array<{ y: number; width: number; label: string; value: number; text: string }>;
  barHeight: number;
}

/** Horizontal bars (long Vietnamese place names need the room a label column gives). */
export function barChart(rows: Array<{ label: string; value: number }>, format: (n: number) => string = String): BarChart {
  const labelWidth = 220;
  const barHeight = 22;
  const gap = 8;
  const width = W;
  const maxBar = width - labelWidth - 70;
  const max = Math.max(1, ...rows.map((r) => r.value));
  return {
    width,
    height: Math.max(1, rows.length) * (barHeight + gap) + gap,
    labelWidth,
    barHeight,
    bars: rows.map((r, i) => ({
      y: gap + i * (barHeight + gap),
      width: r.value > 0 ? Math.max(2, Math.round((maxBar * r.value) / max)) : 0,
      label: r.label.length > 32 ? `${r.label.slice(0, 31)}…` : r.label,
      value: r.value,
      text: format(r.value),
    })),
  };
}
