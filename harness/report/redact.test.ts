import { describe, expect, it } from 'vitest';
import { createRedactor, REDACTED, redactDeep } from './redact.ts';
import { ALL_SECRET_STRINGS, BASIC_B64, SECRETS, secretReport, STRAY_JWT } from '../testing/report-fixtures.ts';

describe('createRedactor', () => {
  const r = createRedactor([SECRETS.apiKey, SECRETS.token, SECRETS.password, BASIC_B64]);

  it('replaces known secrets anywhere, in every encoding', () => {
    expect(r(`x${SECRETS.apiKey}y`)).toBe(`x${REDACTED}y`);
    expect(r(`a=${encodeURIComponent(SECRETS.password)}`)).toBe(`a=${REDACTED}`);
    expect(r(Buffer.from(SECRETS.token).toString('base64'))).toBe(REDACTED);
    expect(r(`"${JSON.stringify(SECRETS.password).slice(1, -1)}"`)).toBe(`"${REDACTED}"`);
    expect(r(`Basic ${BASIC_B64}`)).toBe(`Basic ${REDACTED}`);
  });

  const g = createRedactor([]);
  it('redacts Authorization values, keeping the scheme', () => {
    expect(g('Authorization: Bearer abc.def')).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(g("curl -H 'authorization: Basic Zm9vOmJhcg==' http://x")).toBe(`curl -H 'authorization: Basic ${REDACTED}' http://x`);
    expect(g('Proxy-Authorization: opaque123')).toBe(`Proxy-Authorization: ${REDACTED}`);
    expect(g('{"Authorization":"Bearer zzz"}')).toBe(`{"Authorization":"Bearer ${REDACTED}"}`);
  });

  it('redacts API-key headers, query parameters and cookies', () => {
    expect(g('X-API-Key: k-123')).toBe(`X-API-Key: ${REDACTED}`);
    expect(g('apikey=k-123')).toBe(`apikey=${REDACTED}`);
    expect(g('GET /pets?limit=1&api_key=k-123&x=2 HTTP/1.1')).toBe(`GET /pets?limit=1&api_key=${REDACTED}&x=2 HTTP/1.1`);
    expect(g('/p?token=t1#frag')).toBe(`/p?token=${REDACTED}#frag`);
    expect(g('Cookie: sid=abc; theme=dark')).toBe(`Cookie: ${REDACTED}`);
    expect(g('Set-Cookie: sid=abc; Path=/\nnext line')).toBe(`Set-Cookie: ${REDACTED}\nnext line`);
  });

  it('redacts bare Bearer and Basic credentials but not prose', () => {
    expect(g('sent Bearer tok-Zq81nV0pX twice')).toBe(`sent Bearer ${REDACTED} twice`);
    expect(g(`basic ${Buffer.from('u:p').toString('base64')} end`)).toBe(`basic ${REDACTED} end`);
    expect(g('Bearer authentication and Basic authentication are schemes')).toBe('Bearer authentication and Basic authentication are schemes');
  });

  it('redacts JWT-shaped strings and leaves ordinary dotted names alone', () => {
    expect(g(`token ${STRAY_JWT} end`)).toBe(`token ${REDACTED} end`);
    expect(g('api.example.com and v1.2.3 and petstore.local')).toBe('api.example.com and v1.2.3 and petstore.local');
  });

  it('ignores empty secrets', () => {
    expect(createRedactor(['', SECRETS.apiKey])('abc')).toBe('abc');
  });
});

describe('redactDeep', () => {
  it('replaces values of credential keys whole and redacts keys and nested strings', () => {
    const out = redactDeep(
      {
        headers: { Authorization: 'Bearer x', 'X-Api-Key': 'y', Cookie: 'a=b', 'x-request-id': 'keep' },
        [SECRETS.apiKey]: [1, { s: `key=${SECRETS.apiKey}` }],
        n: 3,
        b: true,
        z: null,
      },
      createRedactor([SECRETS.apiKey]),
    );
    expect(out).toEqual({
      headers: { Authorization: `Bearer ${REDACTED}`, 'X-Api-Key': REDACTED, Cookie: REDACTED, 'x-request-id': 'keep' },
      [REDACTED]: [1, { s: `key=${REDACTED}` }],
      n: 3,
      b: true,
      z: null,
    });
  });

  it('does not change its input', () => {
    const report = secretReport();
    const before = JSON.stringify(report);
    redactDeep(report, createRedactor([SECRETS.apiKey]));
    expect(JSON.stringify(report)).toBe(before);
  });

  it('leaves no secret in a whole report', () => {
    const suiteSecrets = [SECRETS.apiKey, SECRETS.token, SECRETS.password, `${SECRETS.user}:${SECRETS.password}`, BASIC_B64, SECRETS.jwtSecret];
    const text = JSON.stringify(redactDeep(secretReport(), createRedactor(suiteSecrets)));
    for (const s of ALL_SECRET_STRINGS) expect(text).not.toContain(s);
    expect(text).toContain('x-request-id');
  });
});


describe('credential names the spec declares', () => {
  const r = createRedactor([], { names: ['subscription-key', 'sid'] });
  it('redacts their values in headers and query strings, whatever the value', () => {
    expect(r('subscription-key: aBcD1234')).toBe(`subscription-key: ${REDACTED}`);
    expect(r('curl http://x/v1/pets?subscription-key=AbCd&x=1')).toBe(`curl http://x/v1/pets?subscription-key=${REDACTED}&x=1`);
    expect(r('{"sid": "zzz"}')).toBe(`{"sid": "${REDACTED}"}`);
  });
  it('redacts them as object keys in reports', () => {
    expect(redactDeep({ headers: { 'Subscription-Key': 'AbCd', other: 'keep' } }, r)).toEqual({ headers: { 'Subscription-Key': REDACTED, other: 'keep' } });
  });
  it('leaves other text alone', () => {
    expect(r('the subscription key is described in the docs')).toBe('the subscription key is described in the docs');
  });
});
