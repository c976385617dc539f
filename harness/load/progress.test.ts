// Live progress: a terminal gets one line rewritten in place; a pipe (CI) a
// plain line every few seconds.

import { describe, expect, it } from 'vitest';
import { createProgress } from './progress.ts';
import { Recorder } from './recorder.ts';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, out: { isTTY, write: (c: string) => chunks.push(c) } };
}

describe('progress', () => {
  const rec = new Recorder();
  rec.begin(0);
  it('terminal: every tick rewrites one line, done clears it', () => {
    const { chunks, out } = sink(true);
    const p = createProgress(out);
    p.tick('s/haproxy/steady', rec, 1000, 10_000);
    p.tick('s/haproxy/steady', rec, 2000, 10_000);
    p.done();
    expect(chunks).toHaveLength(3);
    expect(chunks[0]).toMatch(/^\r\x1b\[2Ks\/haproxy\/steady 1\/10s {2}rate \d+\/s {2}p99 .* ms {2}errors 0 {2}late 0$/);
    expect(chunks[1]).toMatch(/^\r\x1b\[2Ks\/haproxy\/steady 2\/10s/);
    expect(chunks[2]).toBe('\r\x1b[2K');
  });
  it('pipe: a plain line at most every 5 s, no control characters', () => {
    const { chunks, out } = sink(false);
    let t = 0;
    const p = createProgress(out, { now: () => t });
    for (t = 0; t <= 12_000; t += 1000) p.tick('x', rec, t, 12_000);
    p.done();
    expect(chunks).toEqual([expect.stringMatching(/^x 0\/12s .*\n$/), expect.stringMatching(/^x 5\/12s .*\n$/), expect.stringMatching(/^x 10\/12s .*\n$/)]);
    expect(chunks.join('')).not.toMatch(/\x1b|\r/);
  });
});
