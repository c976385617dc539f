// Run by Vitest in the fresh project: the suite as Vitest tests, a matcher, and
// a target started for a hand-written test.
import { describe, expect, it } from 'vitest';
import { describeSuite, startTarget } from 'proxyproof/vitest';
import { runSuite } from 'proxyproof';
import suite from './suite.ts';

describeSuite('suite.yaml');
describeSuite(suite, { file: 'suite.ts' });

describe('by hand', () => {
  it('the rendered HAProxy refuses a wrong key and admits a valid one', { timeout: 60_000 }, async () => {
    await using t = await startTarget('suite.yaml');
    expect((await fetch(`${t.baseUrl}/v1/pets`, { headers: { 'X-API-Key': 'wrong-key' } })).status).toBe(401);
    expect((await fetch(`${t.baseUrl}/v1/pets`, { headers: { 'X-API-Key': 'alice-key-5f2c8e' } })).status).toBe(200);
  });

  it('toPass carries the failure and its evidence when a check fails', { timeout: 120_000 }, async () => {
    const { report } = await runSuite(suite, { file: 'suite.ts', checks: ['auth'] });
    const auth = report.results.find((r) => r.check === 'auth')!;
    expect(auth).toPass();
    expect(() => expect({ ...auth, status: 'failed', message: 'made to fail', failures: [{ code: 'auth.reachedUpstream', message: 'x', curl: 'curl -H X' }] }).toPass()).toThrow(/auth\.reachedUpstream: x[\s\S]*reproduce: curl -H X/);
  });
});
