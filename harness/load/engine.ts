// The load engine. Two models:
//  closed  N connections, each sends its next request as soon as the last one
//          answered (wrk's model; k6's constant-vus without sleeps).
//  open    requests are due at intended times (constant or ramping arrival
//          rate) whatever the proxy does; each latency is measured from the
//          intended send time, so a stall shows in the percentiles instead of
//          hiding (coordinated omission). A due request with no free
//          connection waits (a late start, counted); one that waited longer
//          than the timeout, or is still waiting at the end, is not sent
//          (k6's dropped_iterations).
// Scheduler: sleep with setTimeout until SPIN_MS before the next due time,
// then, when nothing is in flight, nap the thread with Atomics.wait until just
// before it, and poll with setImmediate for the last stretch (I/O is still
// served between turns). At low and middle rates it mostly sleeps, so it does
// not burn a core; at high rates requests are always in flight and it polls. The lag
// (dispatch time minus intended time) is recorded in its own histogram.
// Warm-up: connections are opened and driven for warmupMs before recording;
// the warm-up is not counted.

import { performance } from 'node:perf_hooks';
import { HttpConn, type ConnHandlers } from './http-conn.ts';
import { Recorder } from './recorder.ts';
import type { Endpoint } from '../model/upstream.ts';

/** Below this gap the scheduler polls with setImmediate instead of sleeping. */
export const SPIN_MS = 2;
/** setTimeout wakes up to ~1 ms late; wake this much before the due time. */
const WAKE_EARLY_MS = 1.5;
/**
 * Within SPIN_MS of a due time and with no request in flight, the loop naps
 * with Atomics.wait (wakes within tens of microseconds) instead of polling:
 * polling alone kept a whole core busy from about 500 req/s. Naps shorter
 * than NAP_MIN_MS are not worth it; each ends NAP_MARGIN_MS early.
 */
const NAP_MIN_MS = 0.6;
const NAP_MARGIN_MS = 0.3;
const NAP_CELL = new Int32Array(new SharedArrayBuffer(4));

export interface RequestTemplate {
  /** Operation id, the `operation` tag. */
  name: string;
  /** Relative weight among the scenario's requests. */
  weight: number;
  /** The whole request, encoded; its head ends with CRLFCRLF. */
  bytes: Buffer;
  head: boolean;
}

export type Model =
  | { kind: 'closed'; connections: number; durationMs: number }
  | { kind: 'constant-arrival-rate'; rate: number; durationMs: number; connections: number; maxConnections?: number }
  | { kind: 'ramping-arrival-rate'; startRate: number; stages: Array<{ target: number; durationMs: number }>; connections: number; maxConnections?: number };

export interface EngineOptions {
  endpoints: Endpoint[];
  templates: RequestTemplate[];
  model: Model;
  timeoutMs?: number;
  warmupMs?: number;
  /** Count the values of this response header (e.g. x-proxyproof-served-by). */
  captureHeader?: string;
  /** Add x-request-id: <prefix>-<n> to every request (mock fault programs key on it). */
  requestIdPrefix?: string;
  /** Record into this recorder (slices of one measurement share one). */
  recorder?: Recorder;
  /** Called about once a second while measuring. */
  onTick?: (rec: Recorder, elapsedMs: number) => void;
  /** Evaluated once a second; true stops the run early (abortOnFail). */
  shouldAbort?: (rec: Recorder) => boolean;
  /** Called once when the measured phase starts (ms, performance.now()). */
  onMeasureStart?: (at: number) => void;
}

export interface EngineRun {
  recorder: Recorder;
  aborted: boolean;
  connections: number;
}

/** Duration of a model's measured phase in ms. */
export function modelDuration(m: Model): number {
  return m.kind === 'ramping-arrival-rate' ? m.stages.reduce((a, s) => a + s.durationMs, 0) : m.durationMs;
}

/**
 * Intended send times (ms after start) of an open model, one at a time.
 * Ramping stages are linear in rate: the i-th request is due when the
 * integral of the rate reaches i.
 */
export function arrivals(m: Exclude<Model, { kind: 'closed' }>): () => number {
  if (m.kind === 'constant-arrival-rate') {
    const step = 1000 / m.rate;
    let i = 0;
    return () => {
      const t = i * step;
      i++;
      return t < m.durationMs ? t : Infinity;
    };
  }
  let stage = 0;
  let t0 = 0;
  let r0 = m.startRate / 1000; // per ms
  let done = 0; // requests due before this stage
  let i = 0;
  return () => {
    for (;;) {
      const s = m.stages[stage];
      if (!s) return Infinity;
      const r1 = s.target / 1000;
      const D = s.durationMs;
      const inStage = r0 * D + ((r1 - r0) * D) / 2;
      const k = i - done; // the k-th request of this stage is due at N(t) = k
      if (k < inStage) {
        let t: number;
        const a = (r1 - r0) / (2 * D);
        if (Math.abs(a) < 1e-15) t = k / r0;
        else t = (-r0 + Math.sqrt(r0 * r0 + 4 * a * k)) / (2 * a);
        i++;
        return t0 + t;
      }
      done += inStage;
      t0 += D;
      r0 = r1;
      stage++;
    }
  };
}

/** Requests in weighted order: smooth weighted round-robin, deterministic. */
function picker(templates: RequestTemplate[]): () => number {
  const w = templates.map((t) => Math.max(0, t.weight));
  const total = w.reduce((a, b) => a + b, 0);
  const cur = w.map(() => 0);
  if (templates.length === 1) return () => 0;
  return () => {
    let best = 0;
    for (let i = 0; i < w.length; i++) {
      cur[i] += w[i];
      if (cur[i] > cur[best]) best = i;
    }
    cur[best] -= total;
    return best;
  };
}

const REQUEST_ID = (prefix: string, n: number) => `x-request-id: ${prefix}-${n}\r\n\r\n`;

function withId(t: RequestTemplate, prefix: string, n: number): Buffer {
  const end = t.bytes.indexOf('\r\n\r\n');
  return Buffer.concat([t.bytes.subarray(0, end + 2), Buffer.from(REQUEST_ID(prefix, n), 'latin1'), t.bytes.subarray(end + 4)]);
}

export async function runEngine(opts: EngineOptions): Promise<EngineRun> {
  const rec = opts.recorder ?? new Recorder();
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const m = opts.model;
  const pick = picker(opts.templates);
  const templates = opts.templates;
  const maxConns = m.kind === 'closed' ? m.connections : Math.max(m.connections, m.maxConnections ?? m.connections);
  let idCounter = 0;
  let recording = false;
  let stopping = false;
  let sending = false;

  const conns: HttpConn[] = [];
  const idle: HttpConn[] = [];
  // Due requests waiting for a connection: intended times, FIFO ring.
  let queue = new Float64Array(1024);
  let qHead = 0;
  let qLen = 0;
  const qPush = (t: number) => {
    if (qLen === queue.length) {
      const bigger = new Float64Array(queue.length * 2);
      for (let k = 0; k < qLen; k++) bigger[k] = queue[(qHead + k) % queue.length];
      queue = bigger;
      qHead = 0;
    }
    queue[(qHead + qLen) % queue.length] = t;
    qLen++;
  };
  const qShift = (): number => {
    const t = queue[qHead];
    qHead = (qHead + 1) % queue.length;
    qLen--;
    return t;
  };

  let drained: (() => void) | undefined;
  const busyCount = () => conns.reduce((n, c) => n + (c.busy ? 1 : 0), 0);
  const checkDrained = () => {
    if (drained && busyCount() === 0) {
      const d = drained;
      drained = undefined;
      d();
    }
  };

  const fire = (c: HttpConn, intended: number, now: number) => {
    const i = pick();
    const t = templates[i];
    const bytes = opts.requestIdPrefix ? withId(t, opts.requestIdPrefix, ++idCounter) : t.bytes;
    c.send(bytes, intended, now, recording ? i : -1 - i, t.head);
  };

  /** A connection became free: closed model sends again, open model serves the queue. */
  const free = (c: HttpConn) => {
    if (!c.connected) return;
    const now = performance.now();
    if (m.kind === 'closed') {
      if (sending && !stopping) {
        if (recording) rec.scheduled(now, 0);
        fire(c, now, now);
        return;
      }
    } else {
      while (qLen > 0) {
        const intended = qShift();
        if (now - intended > timeoutMs) {
          if (recording) rec.failure('notSent', intended);
          continue;
        }
        if (recording) rec.lateStarts++;
        fire(c, intended, now);
        return;
      }
    }
    idle.push(c);
    checkDrained();
  };

  const handlers: ConnHandlers = {
    response(c, status, captured) {
      const now = performance.now();
      if (c.tag >= 0) rec.response(templates[c.tag].name, status, c.intended, c.sentAt, now, captured);
      free(c);
    },
    failed(c, _reason, hadRequest) {
      if (hadRequest && c.tag >= 0) rec.failure('connectionError', c.intended);
      const k = idle.indexOf(c);
      if (k >= 0) idle.splice(k, 1);
      if (!stopping) reconnect(c);
      checkDrained();
    },
  };

  const reconnect = (c: HttpConn) => {
    c.connect().then(() => free(c), () => {
      if (!stopping) setTimeout(() => reconnect(c), 50);
    });
  };

  let opening = 0;
  const open = async (n: number) => {
    const fresh: HttpConn[] = [];
    for (let k = 0; k < n; k++) {
      const ep = opts.endpoints[(conns.length + k) % opts.endpoints.length];
      fresh.push(new HttpConn(conns.length + k, ep.host, ep.port, handlers, opts.captureHeader));
    }
    conns.push(...fresh);
    opening += n;
    try {
      await Promise.all(fresh.map((c) => c.connect()));
    } finally {
      opening -= n;
    }
    for (const c of fresh) idle.push(c);
  };

  // Timeouts: a coarse sweep, not a timer per request.
  const sweep = setInterval(() => {
    const now = performance.now();
    for (const c of conns) {
      if (c.busy && now - c.sentAt > timeoutMs) {
        c.busy = false;
        if (c.tag >= 0) rec.failure('timeout', c.intended);
        c.destroy();
      }
    }
  }, Math.min(100, Math.max(10, timeoutMs / 4)));

  const startConns = m.connections;
  try {
    await open(startConns);
  } catch (err) {
    clearInterval(sweep);
    for (const c of conns) c.destroy();
    throw err;
  }

  /** One phase: drive the model for durationMs (warm-up or measured). */
  const phase = (durationMs: number, measure: boolean): Promise<boolean> =>
    new Promise((resolve) => {
      recording = measure;
      stopping = false;
      sending = true;
      let aborted = false;
      const t0 = performance.now();
      if (measure) {
        rec.begin(t0);
        opts.onMeasureStart?.(t0);
      }
      let lastTick = t0;
      const finish = () => {
        sending = false;
        // Still waiting for a connection at the end: not sent.
        while (qLen > 0) {
          const intended = qShift();
          if (measure) rec.failure('notSent', intended);
        }
        const done = () => {
          if (measure) rec.end(performance.now());
          resolve(aborted);
        };
        if (busyCount() === 0) done();
        else {
          drained = done;
          // In-flight requests get until the timeout; the sweep ends them after.
        }
      };
      const tick = (now: number) => {
        if (measure && now - lastTick >= 1000) {
          lastTick = now;
          opts.onTick?.(rec, now - t0);
          if (opts.shouldAbort?.(rec)) aborted = true;
        }
      };
      if (m.kind === 'closed') {
        for (const c of idle.splice(0)) free(c);
        const poll = () => {
          const now = performance.now();
          tick(now);
          if (aborted || now - t0 >= durationMs) return finish();
          setTimeout(poll, Math.min(100, Math.max(1, durationMs - (now - t0))));
        };
        setTimeout(poll, Math.min(100, durationMs));
        return;
      }
      const model = measure ? m : warmModel(m, durationMs);
      const next = arrivals(model);
      let due = next();
      const loop = () => {
        let now = performance.now();
        tick(now);
        if (aborted) due = Infinity;
        while (t0 + due <= now) {
          const intended = t0 + due;
          if (measure) rec.scheduled(intended, now - intended);
          const c = idle.pop();
          if (c) fire(c, intended, now);
          else {
            qPush(intended);
            if (conns.length + 0 < maxConns && opening === 0) void open(Math.min(maxConns - conns.length, Math.max(1, conns.length >> 2))).then(() => {
              for (const f of idle.splice(0)) free(f);
            }, () => {});
          }
          due = next();
          now = performance.now();
        }
        if (due === Infinity) return finish();
        const gap = t0 + due - performance.now();
        if (gap > SPIN_MS) setTimeout(loop, gap - WAKE_EARLY_MS);
        else if (gap > NAP_MIN_MS && busyCount() === 0) {
          // Nothing in flight, so no response can be kept waiting: sleep the
          // thread precisely (a futex wait, no CPU) until just before the due
          // time, then poll the last stretch.
          Atomics.wait(NAP_CELL, 0, 0, gap - NAP_MARGIN_MS);
          setImmediate(loop);
        } else setImmediate(loop);
      };
      loop();
    });

  let aborted = false;
  try {
    const warm = opts.warmupMs ?? 1000;
    if (warm > 0) {
      await phase(warm, false);
      await waitIdle();
    }
    aborted = await phase(modelDuration(m), true);
  } finally {
    stopping = true;
    clearInterval(sweep);
    for (const c of conns) c.destroy();
  }
  return { recorder: rec, aborted, connections: conns.length };

  function waitIdle(): Promise<void> {
    return new Promise((r) => {
      if (busyCount() === 0) r();
      else drained = r;
    });
  }
}

/** The warm-up drives the rate the measured phase starts at (its first stage's peak for ramps). */
function warmModel(m: Exclude<Model, { kind: 'closed' }>, durationMs: number): Exclude<Model, { kind: 'closed' }> {
  const rate = m.kind === 'constant-arrival-rate' ? m.rate : Math.max(m.startRate, m.stages[0]?.target ?? 0, 1);
  return { kind: 'constant-arrival-rate', rate, durationMs, connections: m.connections };
}
