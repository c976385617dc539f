import { describe, expect, it } from 'vitest';
import type { SpecValidator } from '../../spec/validate.ts';
import { entry, op, sent } from '../../testing/sent.ts';
import type { ContractSample } from './drive.ts';
import { judgeContract } from './judge.ts';

/** A validator that documents 200 only and finds `bad` bodies invalid. */
const validator = {
  validateResponse: (_op: unknown, status: number, _h: unknown, body: string) => ({ documented: status === 200, errors: body === 'bad' ? ['body must be an array'] : [] }),
} as unknown as SpecValidator;

const sample = (status: number, body: string, entries = [entry({ status })]): ContractSample => ({ op: op('listPets'), sent: sent({ status, responseBody: body }), entries });

describe('contract judge', () => {
  it('passes valid upstream responses, and only warns about a status the proxy made itself', () => {
    const r = judgeContract([sample(200, '[]'), sample(429, '', [])], validator);
    expect(r.status).toBe('passed');
    expect(r.warnings).toEqual(['listPets: the proxy answered 429 itself, a status the spec does not document']);
  });

  it.each([
    ['a response body the spec rejects', sample(200, 'bad'), 'contract.responseInvalid'],
    ['an undocumented upstream status', sample(418, '{}'), 'contract.undocumentedStatus'],
    ['a request the upstream saw broken', sample(200, '[]', [entry({ violations: ['path parameter petId must be integer'] })]), 'contract.requestBroken'],
    ['no response at all', { ...sample(0, ''), sent: sent({ status: 0, error: 'ECONNRESET' }) }, 'contract.noResponse'],
  ] as const)('fails on %s', (_what, s, code) => {
    expect(judgeContract([s], validator).failures!.map((f) => f.code)).toContain(code);
  });

  it('fails when nothing came from the upstream to validate', () => {
    expect(judgeContract([sample(401, '', [])], validator).failures!.map((f) => f.code)).toEqual(['contract.nothingValidated']);
  });
});
