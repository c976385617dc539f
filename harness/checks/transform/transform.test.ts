import { describe, expect, it } from 'vitest';
import { entry, op, sent } from '../../testing/sent.ts';
import { CLIENT_VALUE, type TransformSample } from './drive.ts';
import { judgeTransform } from './judge.ts';

const t = { setHeaders: { 'X-Gateway': 'proxyproof' }, removeHeaders: ['X-Internal-Debug'] };
const sample = (headers: Record<string, string>, reached = true): TransformSample => ({
  op: op('listPets'),
  sent: sent(),
  sentHeaders: { 'X-Gateway': CLIENT_VALUE, 'X-Internal-Debug': CLIENT_VALUE },
  seen: reached ? [entry({ headers })] : [],
  tags: { 'X-Gateway': 'hmac:0123456789abcdef' },
});

describe('transform judge', () => {
  it('passes when the upstream saw the set value and not the removed header', () => {
    expect(judgeTransform(sample({ 'x-gateway': 'proxyproof' }), t).status).toBe('passed');
  });

  it.each([
    ['appended to the client value', { 'x-gateway': `${CLIENT_VALUE}, proxyproof` }, 'transform.headerValue'],
    ['missing', {}, 'transform.headerMissing'],
    ['the removed header forwarded', { 'x-gateway': 'proxyproof', 'x-internal-debug': CLIENT_VALUE }, 'transform.headerNotRemoved'],
  ] as const)('fails when %s', (_what, headers, code) => {
    const r = judgeTransform(sample({ ...headers }), t);
    expect(r.status).toBe('failed');
    expect(r.failures!.map((f) => f.code)).toEqual([code]);
  });

  it('a credential header set by the proxy is compared by its journal tag', () => {
    expect(judgeTransform(sample({ 'x-gateway': 'hmac:0123456789abcdef' }), t).status).toBe('passed');
    expect(judgeTransform(sample({ 'x-gateway': 'hmac:fedcba9876543210' }), t).failures!.map((f) => f.code)).toEqual(['transform.headerValue']);
  });

  it('fails when the request never reached an upstream', () => {
    expect(judgeTransform(sample({}, false), t).failures!.map((f) => f.code)).toEqual(['transform.notForwarded']);
  });
});
