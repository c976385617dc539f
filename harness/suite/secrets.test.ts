import { describe, expect, it } from 'vitest';
import type { Suite } from '../model/suite.ts';
import { BASIC_B64, SECRETS } from '../testing/report-fixtures.ts';
import { secretsOf } from './secrets.ts';

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
    expect(secretsOf(suite)).toEqual([SECRETS.apiKey, SECRETS.token, SECRETS.password, `${SECRETS.user}:${SECRETS.password}`, BASIC_B64, SECRETS.jwtSecret]);
  });
});
