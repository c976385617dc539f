import { describe, expect, it } from 'vitest';
import { op, sent } from '../../testing/sent.ts';
import { badCredentials, flipCase, type AuthAttempt } from './drive.ts';
import { judgeAuth } from './judge.ts';
import { authSection } from './policy.ts';

const secured = op('showPetById');
const open = op('health');
const reject = [401, 403];
const attempt = (kind: AuthAttempt['kind'], status: number, tries: number, o = secured): AuthAttempt => ({ op: o, kind, who: kind, sent: sent({ status }), tries });

describe('auth judge', () => {
  it('passes when bad credentials are rejected before the upstream and the valid one gets through', () => {
    const r = judgeAuth([attempt('bad', 401, 0), attempt('bad', 403, 0), attempt('valid', 200, 1), attempt('unsecured', 200, 1, open)], 'ApiKeyAuth', reject);
    expect(r.status).toBe('passed');
    expect(r.failures).toBeUndefined();
    expect(r.evidence.data).toMatchObject({ secured: 1, unsecured: 1, rejected: 2, admitted: 1 });
  });

  it.each([
    ['a bad key admitted', attempt('bad', 200, 1), 'auth.notRejected'],
    ['a rejection that still reached the upstream', attempt('bad', 401, 1), 'auth.reachedUpstream'],
    ['the valid consumer rejected', attempt('valid', 401, 0), 'auth.validRejected'],
    ['the valid consumer answered without reaching the upstream', attempt('valid', 200, 0), 'auth.validRejected'],
    ['an open operation blocked', attempt('unsecured', 401, 0, open), 'auth.unsecuredBlocked'],
  ] as const)('fails on %s with its code, the exchange and a curl line', (_what, a, code) => {
    const r = judgeAuth([attempt('bad', 401, 0), a], 'ApiKeyAuth', reject);
    expect(r.status).toBe('failed');
    expect(r.failures!.map((f) => f.code)).toEqual([code]);
    expect(r.failures![0].curl).toMatch(/^curl /);
    expect(r.message).toMatch(/^auth policy \(ApiKeyAuth\) not enforced: /);
  });

  it('sends the valid key in flipped case, and comma-joined after a wrong key when it goes in a header, as credentials to reject', () => {
    expect(flipCase('Alice-Key-1')).toBe('aLICE-kEY-1');
    const valid = { name: 'alice', valid: true, credential: { kind: 'apiKey' as const, key: 'alice-key' } };
    expect(badCredentials(valid, []).map((b) => b.who)).toEqual(['no credential', "alice's key in another case", "a wrong key and alice's comma-joined in one header"]);
    expect(badCredentials(valid, []).at(-1)!.consumer!.credential).toEqual({ kind: 'apiKey', key: 'proxyproof-wrong-key, alice-key' });
    expect(badCredentials(valid, [], false).map((b) => b.who)).toEqual(['no credential', "alice's key in another case"]);
    expect(badCredentials({ ...valid, credential: { kind: 'apiKey', key: '1234' } }, [], false).map((b) => b.who)).toEqual(['no credential']);
  });
});

describe('auth section', () => {
  it('owns its schema and names the spec scheme it needs', () => {
    expect(authSection.schema).toMatchObject({ type: 'object', properties: { scheme: {}, reject: {}, jwt: {} } });
    const spec = { file: 's.yaml', securitySchemes: { ApiKeyAuth: { kind: 'apiKey' } } } as never;
    expect(authSection.againstSpec!({ scheme: 'Nope', reject }, spec)).toEqual({ place: 'scheme', detail: 'security scheme Nope is not in s.yaml (it has ApiKeyAuth)' });
    expect(authSection.againstSpec!({ scheme: 'ApiKeyAuth', reject }, spec)).toBeUndefined();
  });
});
