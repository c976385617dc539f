// What validate prints below a suite's ok line, from a Suite built here: the
// origin of each expectation (the suite's own wins over an import), secrets
// never printed, notes grouped in a fixed order with each resource's notes
// together, routes from an imported file set, and hostile text escaped.

import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Route } from '../model/routes.ts';
import type { ImportNote, Suite } from '../model/suite.ts';
import { suiteDetails } from './show-import.ts';

const repo = resolve(import.meta.dirname, '../..');
const VS = join(repo, 'fixtures/realdata/istio/bookinfo-networking/virtual-service-reviews-90-10.yaml');
const DR = join(repo, 'fixtures/realdata/istio/bookinfo-networking/destination-rule-all.yaml');
const dir = join(repo, 'fixtures/suites');

function suite(more: Partial<Suite> = {}): Suite {
  return {
    file: join(dir, 's.suite.yaml'),
    dir,
    name: 's',
    spec: join(repo, 'openapi/reviews.yaml'),
    upstreams: [{ name: 'reviews', versions: ['v1', 'v2', 'v3'], replicas: 1 }],
    consumers: [],
    targets: [{ name: 'nginx', render: true }],
    policies: {},
    ...more,
  };
}

const note = (kind: ImportNote['kind'], resource: string, message: string, field?: string): ImportNote => ({ source: VS, resource, kind, message, ...(field ? { field } : {}) });

describe('suiteDetails', () => {
  it('marks imported expectations, and the suite own one where it overrides the import', () => {
    const retry = { attempts: 3, on: [502], methods: ['GET' as const] };
    const canary = { upstream: 'reviews', weights: { v1: 90, v2: 10 }, tolerance: 0.05, alpha: 1e-4, maxRequests: 6400 };
    const s = suite({ policies: { retry, canary }, imported: { from: [DR, VS], notes: [{ source: 'suite', resource: 'retry', kind: 'info', message: "the suite's own retry policy overrides the imported one" }] } });
    const lines = suiteDetails(s);
    expect(lines).toContain('    retry (suite): attempts 3, on [502], methods [GET]');
    expect(lines).toContain('    canary (imported): upstream reviews, weights {v1: 90, v2: 10}, tolerance 0.05, alpha 0.0001, maxRequests 6400');
    expect(lines).toContain('  import from ../realdata/istio/bookinfo-networking/destination-rule-all.yaml, ../realdata/istio/bookinfo-networking/virtual-service-reviews-90-10.yaml:');
    expect(lines).toContain('    imported: expectations canary');
  });

  it('never prints a credential: a JWT secret is named, its value hidden', () => {
    const lines = suiteDetails(suite({ policies: { auth: { reject: [401], jwt: { alg: 'HS256', secret: 'hs-secret-7f3a' } } } }));
    expect(lines.join('\n')).not.toContain('hs-secret-7f3a');
    expect(lines).toContain('    auth (suite): reject [401], jwt {alg: HS256, secret: (hidden)}');
    expect(lines[0]).toBe('  routes: none (each expectation applies to every operation it names)');
  });

  it('groups notes in a fixed order (defaulted, not checked, conflicts, info), each resource together in the order met', () => {
    const notes = [
      note('info', 'VirtualService/b', 'b info'),
      note('unexpressed', 'VirtualService/a', 'a one', 'spec.http[0].mirror'),
      note('conflict', 'VirtualService/a', 'a conflict'),
      note('unexpressed', 'VirtualService/b', 'b one'),
      note('unexpressed', 'VirtualService/a', 'spec.tcp: a two', 'spec.tcp'),
      note('default', 'VirtualService/b', 'b default'),
    ];
    const lines = suiteDetails(suite({ policies: { contract: {} }, imported: { from: [VS], notes } }));
    const at = lines.indexOf('    imported: no expectation or route');
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1)).toEqual([
      '    defaulted (1):',
      '      VirtualService/b: b default',
      '    not checked (3):',
      '      VirtualService/a spec.http[0].mirror: a one',
      '      VirtualService/a: spec.tcp: a two',
      '      VirtualService/b: b one',
      '    conflicts (1):',
      '      VirtualService/a: a conflict',
      '    info (1):',
      '      VirtualService/b: b info',
    ]);
  });

  it('routes: the suite own by place, an imported one with its file unless it came from a file set; hostile text escaped', () => {
    const base = { hosts: [], policies: {}, to: { upstream: 'reviews', weights: { v2: 100 }, tolerance: 0.05, alpha: 1e-4 } };
    const routes: Route[] = [
      { ...base, name: 'jason', origin: { file: join(dir, 's.suite.yaml'), place: 'routes[0] (jason)' }, matches: [{ headers: [{ name: 'end-user', kind: 'exact', value: 'jason' }], query: [] }] },
      { ...base, name: 'one\u001b[2J', origin: { file: VS, place: 'VirtualService/x\nforged http[0]' }, hosts: ['reviews'], matches: [] },
      { ...base, name: 'set', origin: { file: `${DR}, ${VS}`, place: 'VirtualService/reviews http[1]' }, matches: [], rewrite: { prefix: '/v2/' } },
    ];
    const lines = suiteDetails(suite({ routes, policies: {} }));
    expect(lines.slice(0, 4)).toEqual([
      '  routes (3, first match wins):',
      '    1. routes[0] (jason): header end-user =jason -> reviews v2 100',
      '    2. one\\u001b[2J (VirtualService/x\\nforged http[0]), from ../realdata/istio/bookinfo-networking/virtual-service-reviews-90-10.yaml: every request -> reviews v2 100; hosts reviews',
      '    3. set (VirtualService/reviews http[1]): every request -> reviews v2 100; rewrite prefix to /v2/',
    ]);
    expect(lines).toContain('  expectations: none besides the routes');
  });
});
