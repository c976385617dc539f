// The Envoy render, fix by fix: each test shows what Envoy's source says the
// config must be (docs/targets/envoy.md), and that the render validates.

import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect } from 'vitest';
import { InputError } from '../../model/errors.ts';
import { exampleInput } from '../../testing/examples.ts';
import { it } from '../../testing/fixtures.ts';
import type { RenderInput } from '../../model/target.ts';
import { ENVOY_FEATURES, envoyCannotRender, envoyTarget } from './index.ts';
import { renderEnvoyBootstrap, retryOn } from './render.ts';
import { validateEnvoyBootstrap } from './validate.ts';

type J = Record<string, any>;
const listen = { host: '127.0.0.1', port: 8080 };

const hcm = (b: J): J => b.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
const routes = (b: J): J[] => hcm(b).route_config.virtual_hosts[0].routes;
const opRoute = (b: J, id: string): J => routes(b).find((r) => r.name.endsWith(`-${id}`))!;
const filter = (b: J, name: string): J | undefined => hcm(b).http_filters.find((f: J) => f.name === name)?.typed_config;

function render(input: RenderInput): J {
  const b = renderEnvoyBootstrap(input) as J;
  expect(validateEnvoyBootstrap(b)).toEqual([]);
  return b;
}

function inputErrorOf(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('no InputError');
}

/** The example suite with its API key moved to `where`, or basic auth with the given users. */
function withScheme(tmp: string, scheme: J, consumers?: RenderInput['suite']['consumers']): RenderInput {
  const input = exampleInput(tmp, listen);
  input.spec.securitySchemes = { S: scheme as never };
  input.spec.operations = input.spec.operations.map((o) => (o.security.length ? { ...o, security: [{ S: [] }] } : o));
  input.suite.policies.auth = { scheme: 'S', reject: [401, 403] };
  if (consumers) input.suite.consumers = consumers;
  return input;
}

describe('1. a rate limit scoped to some operations', () => {
  it('unlimited routes get a valid token bucket with the filter off (filter_enabled 0%), as local_ratelimit.cc requires', ({ tmp }) => {
    const input = exampleInput(tmp, listen);
    input.suite.policies.rateLimit = { limit: 5, windowMs: 1000, by: 'global', operations: ['listPets'] };
    const b = render(input);
    expect(opRoute(b, 'listPets').typed_per_filter_config?.['envoy.filters.http.local_ratelimit']).toBeUndefined();
    const off = opRoute(b, 'showPetById').typed_per_filter_config['envoy.filters.http.local_ratelimit'];
    expect(off.token_bucket).toEqual({ max_tokens: 1, tokens_per_fill: 1, fill_interval: '1s' });
    expect(off.filter_enabled.default_value).toEqual({ numerator: 0, denominator: 'HUNDRED' });
    expect(filter(b, 'envoy.filters.http.local_ratelimit')!.token_bucket).toEqual({ max_tokens: 5, tokens_per_fill: 5, fill_interval: '1s' });
  });

  it('a window under 50 ms (Envoy refuses the fill_interval) is not rendered and the check is notSupported', ({ tmp }) => {
    const input = exampleInput(tmp, listen);
    input.suite.policies.rateLimit = { limit: 5, windowMs: 20, by: 'global' };
    expect(envoyCannotRender(input.suite.policies).rateLimit).toMatch(/fill_interval under 50 ms \(local_ratelimit_impl\.cc\)/);
    expect(filter(render(input), 'envoy.filters.http.local_ratelimit')).toBeUndefined();
  });
});

describe('2. retry_on retries a timed-out try when the policy has a perTryTimeout', () => {
  it('reset added (router.cc onPerTryTimeoutCommon, retry_state_impl.cc wouldRetryFromReset), retriable-status-codes kept', ({ tmp }) => {
    const b = render(exampleInput(tmp, listen));
    const policy = opRoute(b, 'listPets').route.retry_policy;
    expect(policy.retry_on.split(',')).toEqual(['connect-failure', 'refused-stream', 'unavailable', 'cancelled', 'retriable-status-codes', 'reset']);
    expect(policy.retriable_status_codes).toEqual([502, 503, 504]);
    expect(policy.per_try_timeout).toBe('0.5s');
  });

  it("without a perTryTimeout: Istio's default retry_on as istiod writes it", () => {
    expect(retryOn({ attempts: 2, on: [503], methods: ['GET'] })).toBe('connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes');
  });
});

describe('4. API key and basic auth on Envoy 1.34 (api_key_auth, basic_auth)', () => {
  it('declared, with no "JWTs only" reason left', () => {
    expect(ENVOY_FEATURES.has('auth.apiKey')).toBe(true);
    expect(ENVOY_FEATURES.has('auth.basic')).toBe(true);
    expect(JSON.stringify(envoyTarget.unsupportedBecause)).not.toMatch(/JWT/);
  });

  it.for(['header', 'query', 'cookie'] as const)('API key in a %s: the key source, the valid keys, off on the unsecured operation', (where, { tmp }) => {
    const b = render(withScheme(tmp, { kind: 'apiKey', in: where, name: where === 'header' ? 'X-Key' : 'api_key' }));
    const cfg = filter(b, 'envoy.filters.http.api_key_auth')!;
    expect(cfg['@type']).toBe('type.googleapis.com/envoy.extensions.filters.http.api_key_auth.v3.ApiKeyAuth');
    expect(cfg.key_sources).toEqual([{ [where]: where === 'header' ? 'X-Key' : 'api_key' }]);
    expect(cfg.credentials).toEqual([
      { key: 'alice-key-5f2c8e', client: 'alice' },
      { key: 'bob-key-91ad07', client: 'bob' },
    ]);
    expect(opRoute(b, 'health').typed_per_filter_config['envoy.filters.http.api_key_auth']).toEqual({ '@type': 'type.googleapis.com/envoy.config.route.v3.FilterConfig', disabled: true });
    expect(opRoute(b, 'listPets').typed_per_filter_config?.['envoy.filters.http.api_key_auth']).toBeUndefined();
    expect(hcm(b).http_filters.map((f: J) => f.name).at(-1)).toBe('envoy.filters.http.router');
  });

  it('two consumers with one key, or an empty key, are InputErrors (Envoy refuses both) that do not show the key', ({ tmp }) => {
    const input = exampleInput(tmp, listen);
    input.suite.consumers[1] = { name: 'bob', valid: true, credential: { kind: 'apiKey', key: 'alice-key-5f2c8e' } };
    const e = inputErrorOf(() => renderEnvoyBootstrap(input));
    expect(e.message).toMatch(/consumers\.bob\.apiKey: the same key as consumer alice: Envoy's api_key_auth refuses a key given twice/);
    expect(e.message).not.toContain('alice-key');
    input.suite.consumers[1] = { name: 'bob', valid: true, credential: { kind: 'apiKey', key: '' } };
    expect(inputErrorOf(() => renderEnvoyBootstrap(input)).message).toMatch(/refuses an empty key/);
  });

  it('basic: htpasswd {SHA} lines of the valid users, off on the unsecured operation', ({ tmp }) => {
    const users = [
      { name: 'alice', valid: true, credential: { kind: 'basic' as const, user: 'alice', password: 'pa ss"w' } },
      { name: 'mallory', valid: false, credential: { kind: 'basic' as const, user: 'mallory', password: 'x' } },
    ];
    const b = render(withScheme(tmp, { kind: 'basic' }, users));
    const cfg = filter(b, 'envoy.filters.http.basic_auth')!;
    expect(cfg.users).toEqual({ inline_string: `alice:{SHA}${createHash('sha1').update('pa ss"w').digest('base64')}` });
    expect(opRoute(b, 'health').typed_per_filter_config['envoy.filters.http.basic_auth'].disabled).toBe(true);
  });

  it('basic: no valid user is a comment line (an empty users DataSource is refused); "#", duplicate or ":" names are InputErrors', ({ tmp }) => {
    const none = render(withScheme(tmp, { kind: 'basic' }, [{ name: 'mallory', valid: false, credential: { kind: 'basic', user: 'm', password: 'x' } }]));
    expect(filter(none, 'envoy.filters.http.basic_auth')!.users.inline_string).toMatch(/^# /);
    const user = (u: string, name = 'bob') => ({ name, valid: true, credential: { kind: 'basic' as const, user: u, password: 'p' } });
    expect(inputErrorOf(() => renderEnvoyBootstrap(withScheme(tmp, { kind: 'basic' }, [user('#bob')]))).message).toMatch(/as a comment/);
    expect(inputErrorOf(() => renderEnvoyBootstrap(withScheme(tmp, { kind: 'basic' }, [user('a', 'a1'), user('a', 'a2')]))).message).toMatch(/consumers\.a2\.basic\.user: user a is given twice/);
    expect(inputErrorOf(() => renderEnvoyBootstrap(withScheme(tmp, { kind: 'basic' }, [user('a:b')]))).message).toMatch(/cannot contain ":"/);
  });
});

describe('5. readiness on the admin /ready', () => {
  it('admin on port 0, --admin-address-path <workdir>/admin.addr, readiness admin-file /ready 200', ({ tmp }) => {
    const config = envoyTarget.render(exampleInput(tmp, listen));
    const boot = JSON.parse(config.files['envoy.json']);
    expect(boot.admin.address.socket_address).toEqual({ address: '127.0.0.1', port_value: 0 });
    const args = config.command.args;
    expect(args[args.indexOf('--admin-address-path') + 1]).toBe(path.join(tmp, 'admin.addr'));
    expect(envoyTarget.readiness).toEqual({ kind: 'admin-file', file: 'admin.addr', path: '/ready', status: 200 });
  });

  it("a user's bootstrap without an admin address is an InputError (readiness could never find /ready)", ({ tmp }) => {
    const file = path.join(tmp, 'user-envoy.yaml');
    const listener = 'static_resources:\n  listeners:\n  - name: l\n    address: { socket_address: { address: 127.0.0.1, port_value: {{listen.port}} } }\n';
    writeFileSync(file, listener);
    expect(inputErrorOf(() => envoyTarget.fromUserConfig(exampleInput(tmp, listen), file)).message).toMatch(/admin: proxyproof waits for Envoy on its admin \/ready/);
    writeFileSync(file, `admin: { address: { socket_address: { address: 127.0.0.1, port_value: 0 } } }\n${listener}`);
    expect(envoyTarget.fromUserConfig(exampleInput(tmp, listen), file).command.args).toContain('--admin-address-path');
  });
});

describe('settings Envoy refuses', () => {
  it('a fault abort under 200 (FaultAbort.http_status gte 200) is left out and notSupported', ({ tmp }) => {
    const input = exampleInput(tmp, listen);
    input.suite.policies.fault = { rules: [{ upstream: 'petstore', headers: [], abort: { status: 150, percent: 100 } }] };
    expect(envoyCannotRender(input.suite.policies).fault).toMatch(/200\.\.599 only/);
    expect(opRoute(render(input), 'listPets').typed_per_filter_config?.['envoy.filters.http.fault']).toBeUndefined();
  });
});
