// Live progress of a load run: on a terminal one line rewritten in place
// (elapsed, rate, p99, errors); otherwise (CI, a pipe) a plain line every
// few seconds.

import type { Recorder } from './recorder.ts';

export interface ProgressSink {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface Progress {
  tick(label: string, rec: Recorder, elapsedMs: number, totalMs: number): void;
  done(): void;
}

export function createProgress(out: ProgressSink, opts: { everyMs?: number; now?: () => number } = {}): Progress {
  const tty = out.isTTY === true;
  const every = opts.everyMs ?? 5000;
  const now = opts.now ?? Date.now;
  let last = -Infinity;
  let drawn = false;
  return {
    tick(label, rec, elapsedMs, totalMs) {
      const s = rec.lastSecond(performance.now());
      const o = rec.outcomes;
      const errors = o['5xx'] + o.timeout + o.connectionError + o.notSent;
      const line = `${label} ${(elapsedMs / 1000).toFixed(0)}/${(totalMs / 1000).toFixed(0)}s  rate ${s ? s.rate : 0}/s  p99 ${s ? s.p99.toFixed(2) : '-'} ms  errors ${errors}  late ${rec.lateStarts}`;
      if (tty) {
        out.write(`\r\x1b[2K${line}`);
        drawn = true;
      } else if (now() - last >= every) {
        last = now();
        out.write(`${line}\n`);
      }
    },
    done() {
      if (tty && drawn) out.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
