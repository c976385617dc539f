// Synthetic RunReports for the report tests.

import type { RunReport } from '../model/result.ts';

export const SECRETS = {
  apiKey: 'alice-key-5f2c8e',
  token: 'tok-Zq81nV0pX',
  user: 'dave',
  password: 'hunter2-Pw!x',
  jwtSecret: 'hs256-shared-s3cret',
};
export const BASIC_B64 = Buffer.from(`${SECRETS.user}:${SECRETS.password}`).toString('base64');
/** A JWT nobody told us about: must go by its shape. */
export const STRAY_JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtYWxsb3J5In0.c2lnbmF0dXJlLWJ5dGVz';
/** Credentials not in the suite, only recognisable by where they sit. */
export const STRAY = { header: 'stray-header-key-77', query: 'stray-query-key-88', cookie: 'stray-cookie-99', auth: 'stray-bearer-00' };

export function secretReport(): RunReport {
  return {
    tool: { name: 'proxyproof', version: '0.1.0' },
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:00:05.000Z',
    seed: 42,
    summary: { passed: 1, failed: 1, skipped: 0, notSupported: 0 },
    results: [
      {
        suite: 'petstore', target: 'nginx', runtime: 'process', check: 'auth', durationMs: 12, status: 'failed',
        message: `key ${SECRETS.apiKey} was rejected; token ${SECRETS.token} accepted`,
        warnings: [`password ${SECRETS.password} looked weak`],
        evidence: {
          curl: `curl -H 'X-API-Key: ${SECRETS.apiKey}' -H 'Authorization: Basic ${BASIC_B64}' 'http://127.0.0.1:8080/v1/pets?apikey=${SECRETS.apiKey}&limit=1'`,
          exchanges: [
            {
              request: {
                method: 'GET',
                url: `http://127.0.0.1:8080/v1/pets?api_key=${STRAY.query}&token=${encodeURIComponent(SECRETS.password)}`,
                headers: { 'x-api-key': STRAY.header, authorization: `Bearer ${STRAY.auth}`, cookie: `session=${STRAY.cookie}; theme=dark`, 'x-request-id': 'req-1' },
                body: JSON.stringify({ user: SECRETS.user, password: SECRETS.password, jwt: STRAY_JWT }),
              },
              response: {
                status: 200,
                headers: { 'set-cookie': `sid=${STRAY.cookie}; Path=/; HttpOnly`, 'content-type': 'application/json' },
                body: `{"echo":"${SECRETS.token}","basic":"${BASIC_B64}","hs":"${SECRETS.jwtSecret}"}`,
              },
              upstreamTries: 1,
              servedBy: 'petstore/v1/0',
              note: `Authorization: Bearer ${STRAY.auth}`,
            },
          ],
          data: { [SECRETS.apiKey]: 3, tokens: [SECRETS.token], nested: { deep: [{ v: `Bearer ${SECRETS.token}` }] } },
        },
      },
      {
        suite: 'petstore', target: 'haproxy', runtime: 'process', check: 'auth', durationMs: 8, status: 'passed',
        message: 'all good', evidence: {},
      },
    ],
    targets: [
      {
        suite: 'petstore', target: 'nginx', runtime: 'process', mode: 'config',
        config: `map $http_x_api_key $consumer { "${SECRETS.apiKey}" alice; }\n# basic ${BASIC_B64}`,
        log: `127.0.0.1 - - "GET /v1/pets?apikey=${STRAY.query} HTTP/1.1" 200\nCookie: a=${STRAY.cookie}\nAuthorization: Bearer ${STRAY_JWT}\nX-API-Key: ${STRAY.header}`,
      },
      { suite: 'petstore', target: 'haproxy', runtime: 'process', mode: 'render', config: 'global\n', log: '' },
    ],
  };
}

export const ALL_SECRET_STRINGS = [...Object.values(SECRETS).filter((s) => s !== SECRETS.user), BASIC_B64, STRAY_JWT, ...Object.values(STRAY), encodeURIComponent(SECRETS.password)];
