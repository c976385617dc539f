// Routes in rendered nginx and HAProxy configs, without running them
// (suites/routes-render.test.ts runs them): every kind of match renders a
// config the proxy's own check accepts, the conditions are written as the
// source semantics need (anchored, case-sensitive, full header values), and
// what a target cannot carry is notSupported with the reason.

import { describe, expect } from 'vitest';
import { it } from '../testing/fixtures.ts';
import { checkRendered } from '../testing/config-check.ts';
import { exampleInput } from '../testing/examples.ts';
import type { Policies } from '../model/policies.ts';
import type { Route, RouteMatch } from '../model/routes.ts';
import type { RenderInput } from '../model/target.ts';
import { haproxyTarget } from './haproxy/index.ts';
import { nginxTarget } from './nginx/index.ts';
import type { TargetDriver } from './target.ts';

const listen = { host: '127.0.0.1', port: 18124 };

function route(name: string, matches: Partial<RouteMatch>[], extra: Partial<Route> = {}): Route {
  return {
    name,
    origin: { file: '/s.yaml', place: `routes[0] (${name})` },
    hosts: [],
    matches: matches.map((m) => ({ headers: [], query: [], ...m })),
    to: { upstream: 'petstore', weights: { v2: 100 }, tolerance: 0.05, alpha: 1e-4 },
    policies: {},
    ...extra,
  };
}

/** Every kind of condition, on the petstore operations. */
const EVERY_KIND: Route[] = [
  route('headers', [
    {
      path: { kind: 'pathPrefix', value: '/v1/pets/' },
      methods: ['GET', 'DELETE'],
      headers: [
        { name: 'x-exact', kind: 'exact', value: 'a "quoted" $value' },
        { name: 'x-prefix', kind: 'prefix', value: '-dash' },
        { name: 'x-regex', kind: 'regex', value: '[a-z]+\\d{2}' },
        { name: 'x-present', kind: 'present' },
        { name: 'x-absent', kind: 'absent' },
        { name: 'x-not', kind: 'exact', value: 'no', invert: true },
      ],
    },
  ]),
  route('query', [{ path: { kind: 'exact', value: '/v1/PETS', ignoreCase: true }, query: [{ name: 'debug', kind: 'regex', value: '[0-9]+' }, { name: 'trace', kind: 'present' }, { name: 'mode', kind: 'exact', value: 'fast' }] }], {
    policies: { retry: { attempts: 2, on: [503], methods: ['GET'] }, timeout: { requestMs: 900, status: [504] }, fault: { rules: [{ upstream: 'petstore', headers: [], abort: { status: 503, percent: 12.5 } }] }, transform: { setHeaders: { 'x-route': 'q$1' }, removeHeaders: ['x-debug'] } },
  }),
  route('regex', [{ path: { kind: 'regex', value: '/v1/pets/[0-9]+' } }, { path: { kind: 'prefix', value: '/v1/he' } }], { to: { upstream: 'petstore', weights: { v1: 50, v2: 50 }, tolerance: 0.05, alpha: 1e-4 } }),
  route('rest', [], { rewrite: { prefix: '/v1/$x/' } }),
];

function withRoutes(wd: string, routes: Route[]): RenderInput {
  const input = exampleInput(wd, listen);
  input.suite.policies.routing = { routes, nearMisses: true, requestsPerCase: 4, maxRequests: 6400 };
  input.suite.routes = routes;
  return input;
}

const check = checkRendered;

describe.each([nginxTarget, haproxyTarget] as TargetDriver[])('$name: every kind of route condition', (driver) => {
  it('renders a config its own check accepts, with every route policy it declares', ({ tmp }) => {
    const input = withRoutes(tmp, EVERY_KIND);
    expect(driver.cannotRender!(input.suite.policies)).toEqual({});
    const config = driver.render(input);
    const res = check(config, tmp);
    expect(res.output).not.toMatch(/\[(ALERT|WARNING|emerg|warn)\]/);
    expect(res.status).toBe(0);
  });
});

describe('how conditions are written', () => {
  it('nginx: regex keys only (plain map keys ignore case), anchored, literals escaped; the scope key never empty', ({ tmp }) => {
    const conf = nginxTarget.render(withRoutes(tmp, EVERY_KIND)).files['nginx.conf'];
    expect(conf).toContain('map $http_x_exact $pp_r0_m0_c3 {\n        default 0;\n        "~^a \\"quoted\\" \\\\$value$" 1;');
    expect(conf).toContain('"~^-dash" 1;');
    expect(conf).toContain('"~^(?:[a-z]+\\\\d{2})$" 1;');
    // Absent, and an inverted exact: default 1.
    expect(conf).toMatch(/map \$http_x_absent \$pp_r0_m0_c\d \{\n\s+default 1;\n\s+"~\." 0;/);
    expect(conf).toMatch(/map \$http_x_not \$pp_r0_m0_c\d \{\n\s+default 1;\n\s+"~\^no\$" 0;/);
    expect(conf).toContain('"~^/v1/pets(/|$)" 1;');
    expect(conf).toContain('"~*^/v1/PETS$" 1;');
    expect(conf).toContain('"~(?:^|&)debug(?:=(?<pp_r1_m0_c2_value>[^&]*))?(?:&|$)" "1:$pp_r1_m0_c2_value";');
    expect(conf).toContain('map "op:$pp_op" $pp_r0_in {');
    expect(conf).toMatch(/map "\$pp_r0_m0:\$pp_r1_m0:\$pp_r2_m0\$pp_r2_m1:\$pp_r3_in" \$pp_route \{\n\s+default "";\n\s+"~\^\(\?:\[01\]\*:\)\{0\}\[01\]\*1" r0;/);
    // The route with its own retry and timeout has its own locations, reached by codes 560 and 561.
    expect(conf).toContain('"~^r1:(?:GET)$" 560;');
    // The rewrite: the whole URI from a map, "/" replaced (a literal $ as ${pp_dollar}); every location proxies to it.
    expect(conf).toContain('"~^r3 /(?<pp_r3_rest>.*)$" "/v1/${pp_dollar}x/$pp_r3_rest";');
    expect(conf).toContain('proxy_pass http://$pp_to$pp_uri;');
    expect(conf).toMatch(/location @pp_route_r1 \{\n\s+proxy_next_upstream error http_503;\n\s+proxy_next_upstream_tries 3;\n\s+proxy_read_timeout 900ms;/);
  });

  it('HAProxy: full header values (req.fhdr), -m str/-m beg case-sensitive, regexes anchored, -i for ignoreCase only, query read once', ({ tmp }) => {
    const cfg = haproxyTarget.render(withRoutes(tmp, EVERY_KIND)).files['haproxy.cfg'];
    const r0 = cfg.split('\n').find((l) => l.includes('str(r0) if pp_r0_ops'))!;
    expect(r0).toContain('{ path -m reg ^/v1/pets(/|$) }');
    expect(r0).toContain('{ method GET DELETE }');
    expect(r0).toContain('{ req.fhdr(x-exact) -m str "a \\"quoted\\" \\$value" }');
    expect(r0).toContain('{ req.fhdr(x-prefix) -m beg -- "-dash" }');
    expect(r0).toContain('{ req.fhdr(x-regex) -m reg ^(?:[a-z]+\\\\d{2})$ }');
    expect(r0).toContain('{ req.fhdr(x-present) -m found }');
    expect(r0).toContain('!{ req.fhdr(x-absent) -m found }');
    expect(r0).toContain('!{ req.fhdr(x-not) -m str "no" }');
    expect(r0).not.toMatch(/ -i /);
    expect(cfg).toContain('http-request set-var(txn.pp_r1_m0_q0) url_param(debug)');
    expect(cfg).toContain('{ path -i -m str "/v1/PETS" } { var(txn.pp_r1_m0_q0) -m reg ^(?:[0-9]+)$ }');
    expect(cfg).toMatch(/backend route_r1\n(\s+.*\n)*?\s+retries 2\n(\s+.*\n)*?\s+timeout server 900ms/);
  });
});

describe('what a route needs that the target cannot carry is notSupported with the reason', () => {
  const policiesWith = (r: Route): Policies => ({ routing: { routes: [r], nearMisses: true, requestsPerCase: 4, maxRequests: 6400 } });
  const lookahead = route('ahead', [{ headers: [{ name: 'x', kind: 'regex', value: 'a(?=b)b' }] }]);
  const encoded = route('spaced', [{ query: [{ name: 'q', kind: 'exact', value: 'a b' }] }]);

  it.for([nginxTarget, haproxyTarget].map((d) => [d.name, d] as const))('%s: regexes RE2 cannot take, query values a client may encode', ([, driver]) => {
    expect(driver.cannotRender!(policiesWith(lookahead)).routing).toMatch(/^route ahead matches\[0\]\.headers\.x\.regex: .*lookahead \(RE2 has none\)/);
    expect(driver.cannotRender!(policiesWith(encoded)).routing).toMatch(/^route spaced matches\[0\]\.query\.q: .* compares the query value as sent/);
  });

  it('nginx: an empty exact header value; a prefix rewrite without one prefix on HAProxy', () => {
    const empty = route('empty', [{ headers: [{ name: 'x', kind: 'exact', value: '' }] }]);
    expect(nginxTarget.cannotRender!(policiesWith(empty)).routing).toMatch(/nginx reads an absent header as "" too/);
    expect(haproxyTarget.cannotRender!(policiesWith(empty))).toEqual({});
    const two = route('two', [{ path: { kind: 'prefix', value: '/v1/a' } }, { path: { kind: 'prefix', value: '/v1/b' } }], { rewrite: { prefix: '/v2/' } });
    expect(haproxyTarget.cannotRender!(policiesWith(two)).routing).toMatch(/^route two: a prefix rewrite needs one path prefix/);
  });

  // A route's own policies run with the route's policies in the suite's place (routes/scope.ts): the policy-level reasons and the features decide.
  it("a route's own policies: judged as the suite's would be, in the route's scope", () => {
    const scope429: Policies = { retry: { attempts: 1, on: [429], methods: ['GET'] } };
    expect(haproxyTarget.cannotRender!(scope429).retry).toMatch(/^HAProxy's retry-on cannot retry on 429/);
    const limited = route('limited', [], { policies: { rateLimit: { limit: 5, windowMs: 1000, by: 'ip' } } });
    const delayed = route('slow', [], { policies: { fault: { rules: [{ upstream: 'petstore', headers: [], delay: { fixedDelayMs: 100, percent: 100 } }] } } });
    for (const d of [nginxTarget, haproxyTarget]) {
      expect(d.cannotRender!(policiesWith(limited))).toEqual({});
      expect(d.cannotRender!(policiesWith(delayed))).toEqual({});
      expect(d.features.has('route.rateLimit')).toBe(false);
      expect(d.unsupportedBecause?.['route.rateLimit']).toMatch(/rate limit/);
    }
    expect(nginxTarget.features.has('fault.delay')).toBe(false);
    expect(nginxTarget.features.has('routing.rewrite')).toBe(true);
    expect(haproxyTarget.features.has('routing.rewrite')).toBe(true);
  });

  it.for([nginxTarget, haproxyTarget].map((d) => [d.name, d] as const))('%s: a route fault with header conditions is an input error, never rendered on the wrong requests', ([, driver], { tmp }) => {
    const odd = route('odd', [], { policies: { fault: { rules: [{ upstream: 'petstore', headers: [{ name: 'x', exact: 'y' }], abort: { status: 503, percent: 100 } }] } } });
    expect(() => driver.render(withRoutes(tmp, [odd]))).toThrow(/routes\[0\] \(odd\) fault: a route's fault is one abort/);
  });
});
