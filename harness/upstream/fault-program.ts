// Per-request-id fault programs: the harness sets one before sending a request
// with that x-request-id; each mock asks what to do with every arriving try.

import type { FaultProgram } from './types.ts';

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
  }

  /** What to do with try number `attempt` (1-based) of `requestId`. */
  decide(requestId: string | undefined, attempt: number): FaultDecision {
    const p = requestId === undefined ? undefined : this.programs.get(requestId);
    if (!p) return { delayMs: 0 };
    const out: FaultDecision = { delayMs: 0 };
    if (p.delayMs && (p.delayFirst === undefined || attempt <= p.delayFirst)) out.delayMs = p.delayMs;
    if (p.failFirst && attempt <= p.failFirst) out.failStatus = p.status ?? DEFAULT_FAULT_STATUS;
    return out;
  }
}
