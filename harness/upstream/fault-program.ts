// Per-request-id fault programs: the harness sets one before sending a request
// with that x-request-id; each mock asks what to do with every arriving try.

import type { FaultProgram } from '../model/upstream.ts';

export interface FaultDecision {
  /** Wait this long before answering (0: answer at once). */
  delayMs: number;
  /** Answer with this status instead of the generated response. */
  failStatus?: number;
}

export const DEFAULT_FAULT_STATUS = 503;

/** Throws a plain Error naming the problem when the program is malformed. */
export function checkFaultProgram(p: unknown): FaultProgram {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new Error('fault program must be an object');
  const o = p as Record<string, unknown>;
  const out: FaultProgram = {};
  for (const k of ['failFirst', 'status', 'delayMs', 'delayFirst'] as const) {
    const v = o[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Error(`fault program ${k} must be a non-negative integer`);
    out[k] = v;
  }
  if (out.status !== undefined && (out.status < 100 || out.status > 599)) throw new Error('fault program status must be an HTTP status (100-599)');
  for (const k of Object.keys(o)) if (!['failFirst', 'status', 'delayMs', 'delayFirst'].includes(k)) throw new Error(`fault program has an unknown field '${k}'`);
  return out;
}

export class FaultPrograms {
  private programs = new Map<string, FaultProgram>();
  /** Fleet-wide one-shot stall: every try arriving before this time (Date.now() ms) waits until it. */
  private stallUntil = 0;
  /** Fleet-wide program for a share of request ids that have no program of their own. */
  private shared: { share: number; program: FaultProgram } | undefined;

  /**
   * Stall the whole fleet once, from now for `ms`: every try that arrives in
   * that time is held until the stall ends (a GC pause, a blocked upstream).
   */
  stall(ms: number, now = Date.now()): void {
    if (!Number.isFinite(ms) || ms < 0) throw new Error('stall must be a non-negative number of milliseconds');
    this.stallUntil = now + ms;
  }

  /**
   * Apply `program` to a share (0..1) of request ids, chosen by a hash of the
   * id (so every try of one request gets the same program); ids with their own
   * program keep it. share 0 removes it.
   */
  setShare(share: number, program: FaultProgram): void {
    if (!(share >= 0 && share <= 1)) throw new Error('share must be between 0 and 1');
    this.shared = share > 0 ? { share, program: checkFaultProgram(program) } : undefined;
  }

  set(requestId: string, program: FaultProgram): void {
    this.programs.set(requestId, checkFaultProgram(program));
  }

  get(requestId: string): FaultProgram | undefined {
    return this.programs.get(requestId);
  }

  delete(requestId: string): void {
    this.programs.delete(requestId);
  }

  clear(): void {
    this.programs.clear();
    this.stallUntil = 0;
    this.shared = undefined;
  }

  /** What to do with try number `attempt` (1-based) of `requestId`. */
  decide(requestId: string | undefined, attempt: number, now = Date.now()): FaultDecision {
    let p = requestId === undefined ? undefined : this.programs.get(requestId);
    if (!p && requestId !== undefined && this.shared && shareOf(requestId) < this.shared.share) p = this.shared.program;
    const stalled = this.stallUntil > now ? this.stallUntil - now : 0;
    if (!p) return { delayMs: stalled };
    const out: FaultDecision = { delayMs: stalled };
    if (p.delayMs && (p.delayFirst === undefined || attempt <= p.delayFirst)) out.delayMs = Math.max(stalled, p.delayMs);
    if (p.failFirst && attempt <= p.failFirst) out.failStatus = p.status ?? DEFAULT_FAULT_STATUS;
    return out;
  }
}

/** A stable number in [0, 1) from a request id (FNV-1a). */
function shareOf(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 4294967296;
}
