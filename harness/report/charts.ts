// A small inline-SVG chart renderer for index.html: no library, no script, no
// inline style (the page's CSP allows only its own stylesheet). Colours come
// from CSS classes so light and dark themes both apply. Every label goes
// through escapeHtml; every number through num() (finite or 0). Each chart
// carries its figures as data-* attributes and <title> tooltips, so tests and
// readers can check the numbers without measuring pixels.

import { escapeHtml as h } from './escape.ts';

/** A finite number or 0: nothing from a report becomes NaN/Infinity in an attribute. */
export function num(v: unknown): number {
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : 0;
}

/** Round for SVG coordinates (keeps the markup small). */
const r = (v: number): string => String(Math.round(v * 10) / 10);

export const pct = (v: number, digits = 1): string => `${(num(v) * 100).toFixed(digits)}%`;

/** A short readable number: 1234.5 -> 1235, 12.5 -> 12.5, 0.2 -> 0.2, 0.12345 -> 0.123. */
export function short(v: number): string {
  const n = num(v);
  if (Number.isInteger(n)) return String(n);
  if (Math.abs(n) >= 1000) return String(Math.round(n));
  return String(Number(n.toPrecision(3)));
}

let counter = 0;
/** Unique ids within one rendered page (aria-labelledby). Reset by resetChartIds() per page. */
export function resetChartIds(): void {
  counter = 0;
}

function frame(kind: string, width: number, height: number, title: string, body: string, attrs = ''): string {
  const id = `c${++counter}`;
  return (
    `<figure class="chart chart-${kind}"${attrs}><svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${id}" xmlns="http://www.w3.org/2000/svg">` +
    `<title id="${id}">${h(title)}</title>${body}</svg><figcaption>${h(title)}</figcaption></figure>`
  );
}

/** "Nice" axis ticks from 0 to at least max. */
export function ticks(max: number, count = 4): number[] {
  const m = Math.max(num(max), 1e-9);
  const raw = m / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = 0; v <= m + step * 0.999; v += step) out.push(Math.round(v / step) * step);
  return out.length >= 2 ? out : [0, step];
}

function integerTicks(max: number): number[] {
  const m = Math.max(1, Math.ceil(num(max)));
  if (m <= 6) return Array.from({ length: m + 1 }, (_, i) => i);
  return ticks(m).map((v) => Math.round(v));
}

/** The plot area of an x/y chart: the SVG's width and the plot's left, right, top and height. */
interface Area {
  width: number;
  left: number;
  right: number;
  top: number;
  plotH: number;
}

/** Horizontal grid lines with their tick labels on the y axis. */
function yGrid(a: Area, values: number[], y: (v: number) => number, label: (v: number) => string = short): string {
  return values.map((v) => `<line class="grid" x1="${a.left}" y1="${r(y(v))}" x2="${a.width - a.right}" y2="${r(y(v))}"/><text class="tick" x="${a.left - 6}" y="${r(y(v) + 4)}" text-anchor="end">${label(v)}</text>`).join('');
}

/** The x axis title under the plot, at the SVG's bottom edge (`text` is escaped here). */
function xTitle(a: Area, svgHeight: number, text: string): string {
  return `<text class="tick" x="${r(a.left + (a.width - a.left - a.right) / 2)}" y="${svgHeight - 6}" text-anchor="middle">${h(text)}</text>`;
}

/** The y axis title, turned along the axis (`text` is escaped here). */
function yTitle(a: Area, text: string): string {
  const mid = r(a.top + a.plotH / 2);
  return `<text class="tick" x="12" y="${mid}" text-anchor="middle" transform="rotate(-90 12 ${mid})">${h(text)}</text>`;
}

function legend(items: Array<{ name: string; cls: string }>, x: number, y: number): string {
  let at = x;
  return items
    .map((it) => {
      const s = `<rect class="${it.cls}" x="${r(at)}" y="${r(y - 9)}" width="10" height="10"/><text class="lbl" x="${r(at + 14)}" y="${r(y)}">${h(it.name)}</text>`;
      at += 24 + it.name.length * 6.6;
      return s;
    })
    .join('');
}

// ---------------------------------------------------------------- canary

export interface CanaryBand {
  version: string;
  expected: number;
  observed: number;
  count?: number;
  interval?: [number, number];
}

/** Canary shares: per version, the observed share with its confidence interval against the expected weight (0..100%). */
export function canaryChart(bands: CanaryBand[], opts: { title: string; tolerance?: number; requests?: number }): string {
  const rowH = 34;
  const left = 110;
  const right = 20;
  const width = 560;
  const top = 26;
  const plotW = width - left - right;
  const height = top + bands.length * rowH + 34;
  const x = (share: number) => left + Math.min(1, Math.max(0, num(share))) * plotW;
  const axis = [0, 0.25, 0.5, 0.75, 1]
    .map((t) => `<line class="grid" x1="${r(x(t))}" y1="${top - 6}" x2="${r(x(t))}" y2="${r(top + bands.length * rowH)}"/><text class="tick" x="${r(x(t))}" y="${r(top + bands.length * rowH + 14)}" text-anchor="middle">${t * 100}%</text>`)
    .join('');
  const tol = num(opts.tolerance);
  const rows = bands
    .map((b, i) => {
      const cy = top + i * rowH + rowH / 2;
      const [lo, hi] = b.interval ? [num(b.interval[0]), num(b.interval[1])] : [num(b.observed), num(b.observed)];
      const inside = num(b.expected) >= lo && num(b.expected) <= hi;
      const tolBand = tol > 0 ? `<rect class="tol" x="${r(x(num(b.expected) - tol))}" y="${r(cy - 11)}" width="${r(x(num(b.expected) + tol) - x(num(b.expected) - tol))}" height="22"><title>${h(`tolerance ±${pct(tol)} around ${pct(b.expected)}`)}</title></rect>` : '';
      const tip = `${b.version}: observed ${pct(b.observed)}${b.count !== undefined ? ` (${num(b.count)} requests)` : ''}, ${b.interval ? `interval ${pct(lo, 2)}–${pct(hi, 2)}, ` : ''}expected ${pct(b.expected)}`;
      return (
        `<g class="band${inside ? '' : ' off'}" data-version="${h(b.version)}" data-observed="${num(b.observed)}" data-expected="${num(b.expected)}" data-lo="${lo}" data-hi="${hi}"${b.count !== undefined ? ` data-count="${num(b.count)}"` : ''}>` +
        `<title>${h(tip)}</title>` +
        `<text class="lbl" x="${left - 8}" y="${r(cy - 2)}" text-anchor="end">${h(b.version)}</text>` +
        `<text class="tick" x="${left - 8}" y="${r(cy + 11)}" text-anchor="end">${h(pct(b.observed))}</text>` +
        tolBand +
        `<line class="ci" x1="${r(x(lo))}" y1="${r(cy)}" x2="${r(x(hi))}" y2="${r(cy)}"/>` +
        `<line class="ci" x1="${r(x(lo))}" y1="${r(cy - 6)}" x2="${r(x(lo))}" y2="${r(cy + 6)}"/><line class="ci" x1="${r(x(hi))}" y1="${r(cy - 6)}" x2="${r(x(hi))}" y2="${r(cy + 6)}"/>` +
        `<line class="expected" x1="${r(x(b.expected))}" y1="${r(cy - 13)}" x2="${r(x(b.expected))}" y2="${r(cy + 13)}"/>` +
        `<circle class="observed" cx="${r(x(b.observed))}" cy="${r(cy)}" r="5"/>` +
        `</g>`
      );
    })
    .join('');
  const k = 40;
  const key =
    `<circle class="observed" cx="${k + 4}" cy="10" r="4"/><text class="lbl" x="${k + 12}" y="14">observed share</text>` +
    `<line class="ci" x1="${k + 112}" y1="10" x2="${k + 134}" y2="10"/><text class="lbl" x="${k + 140}" y="14">confidence interval</text>` +
    `<line class="expected" x1="${k + 262}" y1="3" x2="${k + 262}" y2="17"/><text class="lbl" x="${k + 268}" y="14">expected weight</text>` +
    (tol > 0 ? `<rect class="tol" x="${k + 372}" y="4" width="14" height="12"/><text class="lbl" x="${k + 390}" y="14">tolerance ±${h(pct(tol, 0))}</text>` : '');
  return frame('canary', width, height, opts.title, key + axis + rows, ` data-requests="${num(opts.requests)}"`);
}

// ------------------------------------------------------------ rate limit

export interface TimelinePoint {
  t: number;
  status: number;
}

/**
 * Rate-limit burst: the requests in the order they were sent (x), each as a
 * dot at the running count of requests admitted in its window (y): admitted
 * (2xx/3xx) green, 429 red, anything else grey; the step line is that count,
 * the dashed line the limit. A window boundary (by completion time) is a
 * dotted vertical line.
 */
export function rateLimitChart(timeline: TimelinePoint[], opts: { title: string; limit: number; windowMs: number }): string {
  const { width, height, left, right, top, bottom } = RATE_LIMIT_LAYOUT;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const windowMs = Math.max(1, num(opts.windowMs));
  const limit = num(opts.limit);
  const burst = countBurst(timeline, windowMs);
  const n = Math.max(1, burst.placed.length);
  const yMax = Math.max(limit, burst.peak, 1) * 1.25;
  const plot: RateLimitPlot = {
    area: { width, left, right, top, plotH },
    limit,
    windowMs,
    burst,
    yMax,
    x: (k: number) => left + ((k + 0.5) / n) * plotW,
    y: (v: number) => top + plotH - (v / yMax) * plotH,
  };
  const { admitted, rejected, other, peak } = burst;
  return frame(
    'ratelimit',
    width,
    height,
    opts.title,
    rateLimitLegend(burst) + rateLimitGrid(plot) + windowLines(plot) + limitLine(plot) + admittedStep(plot) + requestMarks(plot),
    ` data-admitted="${admitted}" data-rejected="${rejected}" data-other="${other}" data-limit="${limit}" data-window-ms="${windowMs}" data-peak="${peak}"`,
  );
}

const RATE_LIMIT_LAYOUT = { width: 560, height: 230, left: 44, right: 16, top: 26, bottom: 40 };

/** A request of the burst and the running count of requests admitted in its window (n). */
interface BurstPoint {
  t: number;
  status: number;
  i: number;
  n: number;
}

/** The burst counted window by window. */
interface Burst {
  placed: BurstPoint[];
  /** Index of the first request of each window after the first. */
  bounds: number[];
  admitted: number;
  rejected: number;
  other: number;
  /** The most requests admitted in one window. */
  peak: number;
}

/** A rate-limit chart being drawn: its plot area and scales, and the counted burst. */
interface RateLimitPlot {
  area: Area;
  limit: number;
  windowMs: number;
  burst: Burst;
  yMax: number;
  /** The x of the k-th request. */
  x: (k: number) => number;
  y: (v: number) => number;
}

const admittedOf = (s: number) => s >= 200 && s < 400;

function countBurst(timeline: TimelinePoint[], windowMs: number): Burst {
  const points = timeline.map((p, i) => ({ t: num(p.t), status: num(p.status), i }));
  const burst: Burst = { placed: [], bounds: [], admitted: 0, rejected: 0, other: 0, peak: 0 };
  let win: number | undefined;
  let inWin = 0;
  burst.placed = points.map((p, k) => {
    const w = Math.floor(p.t / windowMs);
    if (w !== win) {
      if (win !== undefined) burst.bounds.push(k);
      win = w;
      inWin = 0;
    }
    if (admittedOf(p.status)) {
      burst.admitted++;
      inWin++;
      burst.peak = Math.max(burst.peak, inWin);
    } else if (p.status === 429) burst.rejected++;
    else burst.other++;
    return { ...p, n: inWin };
  });
  return burst;
}

function rateLimitGrid(plot: RateLimitPlot): string {
  const { height, bottom } = RATE_LIMIT_LAYOUT;
  const { placed } = plot.burst;
  const { area, x } = plot;
  const yt = integerTicks(plot.yMax / 1.25).filter((v) => v <= plot.yMax);
  const every = Math.ceil(Math.max(1, placed.length) / 12);
  const span = placed.length ? Math.max(...placed.map((p) => p.t)) - Math.min(...placed.map((p) => p.t)) : 0;
  return (
    yGrid(area, yt, plot.y, String) +
    placed.filter((_, k) => k % every === 0).map((p) => `<text class="tick" x="${r(x(placed.indexOf(p)))}" y="${height - bottom + 15}" text-anchor="middle">${placed.indexOf(p) + 1}</text>`).join('') +
    xTitle(area, height, `requests in the order sent (answered within ${short(span)} ms; window ${short(plot.windowMs)} ms)`) +
    yTitle(area, 'admitted in window')
  );
}

function windowLines(plot: RateLimitPlot): string {
  const { top, plotH } = plot.area;
  return plot.burst.bounds.slice(0, 50).map((k) => `<line class="window" x1="${r(plot.x(k - 0.5))}" y1="${top}" x2="${r(plot.x(k - 0.5))}" y2="${top + plotH}"/>`).join('');
}

function limitLine(plot: RateLimitPlot): string {
  const { width, left, right } = plot.area;
  const { limit, windowMs, y } = plot;
  return `<line class="limit" x1="${left}" y1="${r(y(limit))}" x2="${width - right}" y2="${r(y(limit))}"><title>${h(`limit ${limit} per ${windowMs} ms`)}</title></line><text class="lbl limit-lbl" x="${width - right - 4}" y="${r(y(limit) - 5)}" text-anchor="end">limit ${limit}</text>`;
}

/** The step line of the count admitted in the window, request by request. */
function admittedStep(plot: RateLimitPlot): string {
  const { width, left, right } = plot.area;
  const { placed } = plot.burst;
  const { x, y } = plot;
  let path = '';
  placed.forEach((p, k) => {
    path += k === 0 ? `M${r(left)} ${r(y(p.n))}H${r(x(k))}` : `H${r(x(k))}V${r(y(p.n))}`;
  });
  if (placed.length) path += `H${width - right}`;
  return path ? `<path class="admitted-line" d="${path}"/>` : '';
}

function requestMarks(plot: RateLimitPlot): string {
  const { x, y } = plot;
  return plot.burst.placed
    .map((p, k) => {
      const ok = admittedOf(p.status);
      const cls = ok ? 'mk-ok' : p.status === 429 ? 'mk-429' : 'mk-other';
      return `<circle class="${cls}" cx="${r(x(k))}" cy="${r(y(p.n))}" r="5" data-t="${p.t}" data-status="${p.status}"><title>${h(`request ${k + 1}: ${p.status} after ${short(p.t)} ms; ${p.n} admitted in its window`)}</title></circle>`;
    })
    .join('');
}

function rateLimitLegend(burst: Burst): string {
  return legend(
    [
      { name: `admitted (${burst.admitted})`, cls: 'k-ok' },
      { name: `429 (${burst.rejected})`, cls: 'k-429' },
      ...(burst.other ? [{ name: `other status (${burst.other})`, cls: 'k-other' }] : []),
      { name: 'admitted in window', cls: 'k-line' },
    ],
    RATE_LIMIT_LAYOUT.left,
    14,
  );
}

// ------------------------------------------------------------ bar charts

export interface Series {
  name: string;
  /** CSS class for the fill: s1..s6, ok, bad. */
  cls: string;
  values: number[];
}

/** Grouped vertical bars: one group per category, one bar per series. */
export function groupedBars(opts: {
  kind: string;
  title: string;
  categories: string[];
  series: Series[];
  yLabel?: string;
  integer?: boolean;
  /** Per category: mark the group as wrong (red label). */
  bad?: boolean[];
  /** Extra data-* per group (already-escaped values not needed: escaped here). */
  groupData?: Array<Record<string, string | number>>;
  log?: boolean;
}): string {
  const n = opts.categories.length;
  const width = Math.max(360, Math.min(900, 70 + n * Math.max(28, opts.series.length * 16 + 16)));
  const height = 250;
  const left = 52;
  const right = 12;
  const top = 26;
  const longest = Math.max(0, ...opts.categories.map((c) => c.length));
  const rotate = longest * 6.4 > (width - left - right) / Math.max(1, n);
  const bottom = rotate ? Math.min(120, 24 + longest * 4.8) : 36;
  const svgH = height + bottom - 36;
  const plotW = width - left - right;
  const plotH = height - top - 36;
  const area: Area = { width, left, right, top, plotH };
  const all = opts.series.flatMap((s) => s.values.map(num));
  const max = Math.max(...all, 0);
  const yt = opts.integer ? integerTicks(max) : ticks(max || 1);
  const yMax = yt[yt.length - 1] || 1;
  const y = (v: number) => top + plotH - (Math.max(0, v) / yMax) * plotH;
  const gw = plotW / Math.max(1, n);
  const bw = Math.min(26, (gw - 8) / Math.max(1, opts.series.length));
  const grid =
    yGrid(area, yt, y) + (opts.yLabel ? yTitle(area, opts.yLabel) : '');
  const groups = opts.categories
    .map((c, i) => {
      const gx = left + i * gw;
      const startX = gx + (gw - bw * opts.series.length) / 2;
      const extra = Object.entries(opts.groupData?.[i] ?? {})
        .map(([k, v]) => ` data-${k.replace(/[^a-z0-9-]/gi, '')}="${h(String(v))}"`)
        .join('');
      const bars = opts.series
        .map((s, j) => {
          const v = num(s.values[i]);
          const top0 = y(v);
          return `<rect class="${h(s.cls)}" x="${r(startX + j * bw)}" y="${r(top0)}" width="${r(Math.max(1, bw - 2))}" height="${r(Math.max(v > 0 ? 1 : 0, top + plotH - top0))}" data-series="${h(s.name)}" data-value="${v}"><title>${h(`${c} · ${s.name}: ${short(v)}`)}</title></rect>`;
        })
        .join('');
      const lx = gx + gw / 2;
      const ly = top + plotH + 14;
      const label = rotate
        ? `<text class="tick${opts.bad?.[i] ? ' bad' : ''}" x="${r(lx)}" y="${r(ly)}" text-anchor="end" transform="rotate(-35 ${r(lx)} ${r(ly)})">${h(c)}</text>`
        : `<text class="tick${opts.bad?.[i] ? ' bad' : ''}" x="${r(lx)}" y="${r(ly)}" text-anchor="middle">${h(c)}</text>`;
      return `<g class="group${opts.bad?.[i] ? ' off' : ''}" data-category="${h(c)}"${extra}>${bars}${label}</g>`;
    })
    .join('');
  const key = legend(opts.series, left, 14);
  return frame(opts.kind, width, svgH, opts.title, key + grid + groups);
}

/** Retry: per scenario (a row), the tries the upstream should have seen and the tries it saw. */
export function retryChart(scenarios: Array<{ scenario: string; expectedTries: number; seenTries: number; clientStatus?: number }>, title: string): string {
  const width = 560;
  const left = 250;
  const right = 60;
  const top = 26;
  const rowH = 30;
  const plotW = width - left - right;
  const height = top + scenarios.length * rowH + 30;
  const max = Math.max(1, ...scenarios.flatMap((s) => [num(s.expectedTries), num(s.seenTries)]));
  const xt = integerTicks(max);
  const xMax = xt[xt.length - 1] || 1;
  const x = (v: number) => left + (Math.max(0, v) / xMax) * plotW;
  const grid =
    xt.map((v) => `<line class="grid" x1="${r(x(v))}" y1="${top - 4}" x2="${r(x(v))}" y2="${top + scenarios.length * rowH}"/><text class="tick" x="${r(x(v))}" y="${top + scenarios.length * rowH + 14}" text-anchor="middle">${v}</text>`).join('') +
    `<text class="tick" x="${r(left + plotW / 2)}" y="${height - 4}" text-anchor="middle">tries at the upstream</text>`;
  const rows = scenarios
    .map((s, i) => {
      const e = num(s.expectedTries);
      const seen = num(s.seenTries);
      const bad = e !== seen;
      const cy = top + i * rowH;
      const label = `${i + 1}. ${s.scenario}`;
      const shown = label.length > 40 ? `${label.slice(0, 39)}…` : label;
      return (
        `<g class="group${bad ? ' off' : ''}" data-category="${h(label)}" data-expected="${e}" data-seen="${seen}" data-status="${num(s.clientStatus)}">` +
        `<title>${h(`${label}: expected ${e} tries, the upstream saw ${seen}; the client got ${num(s.clientStatus)}`)}</title>` +
        `<text class="lbl${bad ? ' bad' : ''}" x="${left - 8}" y="${r(cy + 18)}" text-anchor="end">${h(shown)}</text>` +
        `<rect class="s-exp" x="${left}" y="${r(cy + 5)}" width="${r(Math.max(e > 0 ? 1 : 0, x(e) - left))}" height="9" data-series="expected tries" data-value="${e}"/>` +
        `<rect class="s-seen" x="${left}" y="${r(cy + 15)}" width="${r(Math.max(seen > 0 ? 1 : 0, x(seen) - left))}" height="9" data-series="tries seen at the upstream" data-value="${seen}"/>` +
        `<text class="tick${bad ? ' bad' : ''}" x="${r(Math.max(x(e), x(seen)) + 5)}" y="${r(cy + 18)}">${seen}${bad ? ` ≠ ${e}` : ''}</text>` +
        `</g>`
      );
    })
    .join('');
  const key = legend([{ name: 'expected tries', cls: 's-exp' }, { name: 'tries seen at the upstream', cls: 's-seen' }], left, 14);
  return frame('retry', width, height, title, key + grid + rows);
}

// ------------------------------------------------------------ line chart

/** Lines over a shared x axis (seconds). */
export function lineChart(opts: { kind: string; title: string; x: number[]; series: Series[]; xLabel: string; yLabel?: string }): string {
  const width = 560;
  const height = 230;
  const left = 52;
  const right = 12;
  const top = 26;
  const bottom = 40;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const area: Area = { width, left, right, top, plotH };
  const xs = opts.x.map(num);
  const xMin = Math.min(...xs, 0);
  const xMax = Math.max(...xs, xMin + 1);
  const max = Math.max(0, ...opts.series.flatMap((s) => s.values.map(num)));
  const yt = ticks(max || 1);
  const yMax = yt[yt.length - 1] || 1;
  const x = (v: number) => left + ((v - xMin) / (xMax - xMin)) * plotW;
  const y = (v: number) => top + plotH - (Math.max(0, v) / yMax) * plotH;
  const grid =
    yGrid(area, yt, y) +
    ticks(xMax - xMin, 6)
      .map((v) => v + xMin)
      .filter((v) => v <= xMax)
      .map((v) => `<text class="tick" x="${r(x(v))}" y="${height - bottom + 15}" text-anchor="middle">${short(v)}</text>`)
      .join('') +
    xTitle(area, height, opts.xLabel) +
    (opts.yLabel ? yTitle(area, opts.yLabel) : '');
  const lines = opts.series
    .map((s) => {
      const pts = xs.map((xv, i) => `${r(x(xv))},${r(y(num(s.values[i])))}`).join(' ');
      const total = s.values.reduce((a: number, v) => a + num(v), 0);
      return `<polyline class="ln ${h(s.cls)}" points="${pts}" data-series="${h(s.name)}" data-total="${total}"><title>${h(`${s.name}: max ${short(Math.max(0, ...s.values.map(num)))}`)}</title></polyline>`;
    })
    .join('');
  const key = legend(opts.series.map((s) => ({ name: s.name, cls: `k-${s.cls}` })), left, 14);
  return frame(opts.kind, width, height, opts.title, key + grid + lines);
}

/** The chart rules for the page's stylesheet (colours via the theme's variables). */
export const CHART_CSS = `
.chart { margin: .5rem 0 1rem; max-width: 100%; overflow-x: auto; }
.chart svg { max-width: 100%; height: auto; display: block; font: 11.5px system-ui, sans-serif; }
.chart figcaption { color: var(--muted); font-size: .85rem; }
.chart .grid { stroke: var(--line); stroke-width: 1; }
.chart .window { stroke: var(--muted); stroke-dasharray: 2 3; }
.chart .tick { fill: var(--muted); }
.chart .tick.bad, .chart .lbl.bad { fill: var(--fail); font-weight: 600; }
.chart .lbl { fill: var(--fg); }
.chart .ci { stroke: var(--accent); stroke-width: 3; }
.chart .tol { fill: var(--accent-bg); }
.chart .expected { stroke: var(--fg); stroke-width: 2; stroke-dasharray: 3 2; }
.chart .observed { fill: var(--accent); stroke: var(--bg); stroke-width: 1.5; }
.chart .off .observed, .chart .off .ci { fill: var(--fail); stroke: var(--fail); }
.chart .limit { stroke: var(--fail); stroke-width: 1.5; stroke-dasharray: 6 3; }
.chart .limit-lbl { fill: var(--fail); }
.chart .admitted-line { fill: none; stroke: var(--pass); stroke-width: 2; }
.chart .mk-ok, .chart .k-ok { fill: var(--pass); }
.chart .mk-429, .chart .k-429 { fill: var(--fail); }
.chart .mk-other, .chart .k-other { fill: var(--skip); }
.chart .k-line { fill: none; stroke: var(--pass); stroke-width: 2; }
.chart .s-exp { fill: var(--skip); }
.chart .s-seen { fill: var(--accent); }
.chart .off .s-seen { fill: var(--fail); }
.chart .s-direct { fill: var(--skip); } .chart .s-proxied { fill: var(--accent); }
.chart .ln { fill: none; stroke-width: 2; }
.chart .ln.c-sent { stroke: var(--accent); } .chart .ln.c-ok { stroke: var(--pass); } .chart .ln.c-4xx { stroke: var(--ns); } .chart .ln.c-5xx { stroke: var(--fail); } .chart .ln.c-err { stroke: var(--skip); } .chart .ln.c-p99 { stroke: var(--accent); } .chart .ln.c-limit { stroke: var(--fail); stroke-dasharray: 5 4; }
.chart .k-c-sent { fill: var(--accent); } .chart .k-c-ok { fill: var(--pass); } .chart .k-c-4xx { fill: var(--ns); } .chart .k-c-5xx { fill: var(--fail); } .chart .k-c-err { fill: var(--skip); } .chart .k-c-p99 { fill: var(--accent); } .chart .k-c-limit { fill: var(--fail); }
`;
