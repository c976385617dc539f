import { describe, expect, it } from 'vitest';
import type { Suite } from '../model/suite.ts';
import { BASIC_B64, SECRETS } from '../testing/report-fixtures.ts';
import { credentialNamesOf, secretsOf } from './secrets.ts';

describe('secretsOf', () => {
  it('lists keys, tokens, passwords, basic pairs and the HS256 secret', () => {
    const suite = {
      consumers: [
        { name: 'a', valid: true, credential: { kind: 'apiKey', key: SECRETS.apiKey } },
        { name: 'b', valid: true, credential: { kind: 'bearer', token: SECRETS.token } },
        { name: 'c', valid: false, credential: { kind: 'basic', user: SECRETS.user, password: SECRETS.password } },
      ],
      policies: { auth: { reject: [401], jwt: { alg: 'HS256', secret: SECRETS.jwtSecret } } },
    } as unknown as Suite;
    const flipped = [...SECRETS.apiKey].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');
    // The auth check also sends the first valid consumer's key in flipped case, and comma-joined after a wrong key: secrets too.
    expect(secretsOf(suite)).toEqual([SECRETS.apiKey, SECRETS.token, SECRETS.password, `${SECRETS.user}:${SECRETS.password}`, BASIC_B64, SECRETS.jwtSecret, flipped, `proxyproof-wrong-key, ${SECRETS.apiKey}`]);
  });
});

describe('credentialNamesOf', () => {
  it('lists the apiKey schemes names, in any location', () => {
    const spec = { securitySchemes: { a: { kind: 'apiKey', in: 'query', name: 'subscription-key' }, b: { kind: 'apiKey', in: 'cookie', name: 'sid' }, c: { kind: 'bearer' } } } as never;
    expect(credentialNamesOf(spec)).toEqual(['subscription-key', 'sid']);
  });
});
