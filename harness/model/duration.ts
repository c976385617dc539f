// The one duration grammar: a number and a unit, as suites, Istio, Gateway API
// and k6 write them (500ms, 1.5s, 2m, 1h). Every parser of a duration in
// proxyproof calls this one.

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export interface DurationOptions {
  /** Round to whole milliseconds instead of rejecting a fraction (protobuf durations such as 1.5ms). */
  round?: boolean;
  /** Units allowed; default all of ms, s, m, h. */
  units?: ReadonlyArray<'ms' | 's' | 'm' | 'h'>;
}

/**
 * '500ms' | '1s' | '2m' | '1h' -> milliseconds. Undefined when the text is
 * not a duration, is zero, is not finite, or (without `round`) is not a
 * whole number of milliseconds.
 */
export function parseDuration(text: unknown, options: DurationOptions = {}): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = DURATION.exec(text.trim());
  if (!m) return undefined;
  if (options.units && !options.units.includes(m[2] as 'ms')) return undefined;
  const raw = Number(m[1]) * UNIT_MS[m[2]];
  const ms = options.round ? Math.round(raw) : raw;
  return Number.isFinite(ms) && Number.isInteger(ms) && ms > 0 ? ms : undefined;
}
