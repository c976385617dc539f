// Kong declarative config (decK, `_format_version: "3.0"`) -> proxyproof
// expectations and consumers. Pure: text in, policies and notes out.
//
// Kong's semantics, as the expectations must see them:
//  - key-auth: 401 for a missing key, "No API key found in request", and for a
//    wrong one, "Unauthorized" (Kong 3.6 and later, kong/plugins/key-auth/
//    handler.lua L30-31 at 3.9.1; 3.5 and earlier said "Invalid authentication
//    credentials"). key_names default [apikey], looked up in headers and the
//    query string (key_in_header/key_in_query default true).
//  - basic-auth: 401 for missing or wrong credentials.
//  - jwt: 401; the token's `iss` (key_claim_name) picks the consumer's
//    jwt_secret; HS256 by default.
//  - rate-limiting: fixed windows aligned to the clock (second, minute, hour,
//    ...); limit_by consumer by default (falling back to the client IP when no
//    consumer is identified). Headers RateLimit-Limit/-Remaining/-Reset and
//    X-RateLimit-Limit-<Window>/X-RateLimit-Remaining-<Window>; Retry-After only
//    on the 429. proxyproof checks the smallest window; the others are noted.
//  - Kong retries (service.retries, default 5) only on connection failures and
//    timeouts, never on an HTTP 5xx answer: nothing here is a `retry`
//    expectation, and a retry-on-5xx policy against Kong is "not supported".
//  - upstream targets with weights: a weighted split -> canary; targets map onto
//    the suite upstream's versions in order (or by a target host equal to a version).

import { parse } from 'yaml';
import { InputError } from '../model/errors.ts';
import type { Consumer } from '../model/suite.ts';
import type { RateLimitPolicy } from '../checks/rate-limit/policy.ts';
import { arr, emptyResult, num, obj, str, type ImportContext, type ImportResult, type Obj } from './types.ts';
import { IMPORTED_CANARY_TOLERANCE } from './import-istio.ts';

const WINDOWS: Array<[string, number]> = [
  ['second', 1000],
  ['minute', 60_000],
  ['hour', 3_600_000],
  ['day', 86_400_000],
  ['month', 2_592_000_000],
  ['year', 31_536_000_000],
];

export const KONG_RETRY_NOTE = 'Kong retries only connection failures and timeouts (service.retries), never an HTTP 5xx answer';

export function looksLikeKong(text: string): boolean {
  return /^\s*"?_format_version"?\s*:/m.test(text) || /^"?(services|upstreams|consumers)"?\s*:/m.test(text);
}

interface PluginAt {
  plugin: Obj;
  at: string;
  /** For a route's plugin: the operationId the route stands for (openapi2kong names routes <service>_<operationId>). */
  operation?: string;
}

function operationOfRoute(route: Obj, service?: string): string | undefined {
  const name = str(route.name);
  if (!name) return undefined;
  if (service && name.startsWith(`${service}_`)) return name.slice(service.length + 1);
  return undefined;
}

/** OpenAPI with x-kong-* extensions, as decK's openapi2kong reads them. */
export function looksLikeOpenApiKong(text: string): boolean {
  return /^\s*"?(openapi|swagger)"?\s*:/m.test(text) && /x-kong-/.test(text);
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * openapi2kong's mapping, enough for the expectations: x-kong-plugin-<name> on
 * the document -> a service plugin; on a path or an operation -> a plugin on
 * that operation's route (the operation's wins), the route named
 * <service>_<operationId>; x-kong-service-defaults / x-kong-upstream-defaults
 * onto the service / upstream; x-kong-name names the service.
 */
export function openApiToKong(spec: Obj): { doc: Obj; ignored: string[] } {
  const ignored: string[] = [];
  const title = str(obj(spec.info).title) ?? 'service';
  const service = (str(spec['x-kong-name']) ?? title).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  const pluginsOf = (o: Obj): Obj[] =>
    Object.entries(o)
      .filter(([k]) => k.startsWith('x-kong-plugin-'))
      .map(([k, v]) => {
        const p = obj(v);
        return { name: str(p.name) ?? k.slice('x-kong-plugin-'.length), config: obj(p.config), ...(p.enabled === false ? { enabled: false } : {}) };
      });
  for (const k of Object.keys(spec)) if (k.startsWith('x-kong-') && !k.startsWith('x-kong-plugin-') && !['x-kong-name', 'x-kong-service-defaults', 'x-kong-upstream-defaults', 'x-kong-route-defaults'].includes(k)) ignored.push(k);
  const routes: Obj[] = [];
  for (const [p, item] of Object.entries(obj(spec.paths))) {
    const pathItem = obj(item);
    const pathPlugins = pluginsOf(pathItem);
    for (const m of HTTP_METHODS) {
      if (!pathItem[m]) continue;
      const op = obj(pathItem[m]);
      const id = str(op.operationId) ?? `${m}${p.replace(/[^A-Za-z0-9]+/g, '-')}`;
      const byName = new Map<string, Obj>();
      for (const pl of [...pathPlugins, ...pluginsOf(op)]) byName.set(String(pl.name), pl);
      routes.push({ name: `${service}_${id}`, methods: [m.toUpperCase()], paths: [p], ...(byName.size ? { plugins: [...byName.values()] } : {}) });
    }
  }
  const defaults = obj(spec['x-kong-service-defaults']);
  const svc: Obj = { ...defaults, name: service, routes, plugins: pluginsOf(spec) };
  const doc: Obj = { _format_version: '3.0', services: [svc] };
  if (spec['x-kong-upstream-defaults'] !== undefined) doc.upstreams = [{ ...obj(spec['x-kong-upstream-defaults']), name: service }];
  return { doc, ignored };
}

export function importKong(text: string, ctx: ImportContext): ImportResult {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new InputError(ctx.file, undefined, `YAML syntax: ${(err as Error).message.split('\n')[0]}`);
  }
  if (looksLikeOpenApiKong(text)) {
    const { doc: kong, ignored } = openApiToKong(obj(doc));
    const r = importKongDoc(kong, ctx);
    r.notes = r.notes.filter((n) => n.resource !== 'kong.yml');
    r.notes.unshift({ source: ctx.file, resource: 'openapi', kind: 'info', message: 'OpenAPI with x-kong-* extensions read as openapi2kong would (routes named <service>_<operationId>)' });
    for (const k of ignored) r.notes.push({ source: ctx.file, resource: 'openapi', kind: 'unexpressed', message: `${k} has no proxyproof expectation` });
    return r;
  }
  return importKongDoc(obj(doc), ctx);
}

type NoteKind = 'unexpressed' | 'default' | 'conflict' | 'info';

/** One import's state: the result being built, how to note, and the authentication plugin's kind once one is read. */
interface KongImport {
  ctx: ImportContext;
  result: ImportResult;
  note: (resource: string, kind: NoteKind, message: string) => void;
  authKind?: 'apiKey' | 'basic' | 'jwt';
}

function formatVersionNotes(k: KongImport, doc: Obj): void {
  const version = str(doc._format_version);
  if (version === undefined) k.note('kong.yml', 'info', '_format_version unset: read as 3.0');
  else if (!/^3\./.test(version)) k.note('kong.yml', 'unexpressed', `_format_version ${version}: proxyproof reads 3.0`);
}

/** Every plugin, wherever it is attached (global, service, route, consumer); each service's retries are noted on the way. */
function collectPlugins(k: KongImport, doc: Obj): PluginAt[] {
  const plugins: PluginAt[] = arr(doc.plugins).map((p) => ({ plugin: obj(p), at: 'global' }));
  for (const s of arr(doc.services).map(obj)) {
    const sname = str(s.name) ?? str(s.host) ?? '?';
    plugins.push(...arr(s.plugins).map((p) => ({ plugin: obj(p), at: `service ${sname}` })));
    for (const r of arr(s.routes).map(obj)) plugins.push(...arr(r.plugins).map((p) => ({ plugin: obj(p), at: `route ${str(r.name) ?? '?'}`, operation: operationOfRoute(r, str(s.name)) })));
    const retries = num(s.retries);
    k.note(`service ${sname}`, 'info', `${KONG_RETRY_NOTE}${retries !== undefined ? `; retries ${retries}` : '; retries default 5'}: no retry expectation`);
  }
  for (const r of arr(doc.routes).map(obj)) plugins.push(...arr(r.plugins).map((p) => ({ plugin: obj(p), at: `route ${str(r.name) ?? '?'}` })));
  for (const c of arr(doc.consumers).map(obj)) plugins.push(...arr(c.plugins).map((p) => ({ plugin: obj(p), at: `consumer ${str(c.username) ?? '?'}` })));
  return plugins;
}

/** One plugin: what applies to any plugin (disabled, condition, attached to a route), then its kind's expectation. */
function importPlugin(k: KongImport, { plugin, at, operation }: PluginAt): void {
  const name = str(plugin.name) ?? '?';
  const res = `plugin ${name} (${at})`;
  if (plugin.enabled === false) {
    k.note(res, 'info', 'disabled: no expectation');
    return;
  }
  if (plugin.condition !== undefined) k.note(res, 'unexpressed', `condition ${String(plugin.condition)}: the expectation is applied to every operation`);
  if (at.startsWith('route')) k.note(res, 'info', operation ? `attached to route ${at.slice(6)}: operation ${operation} (openapi2kong names routes <service>_<operationId>)` : 'attached to a route not named <service>_<operationId>: the expectation is applied to every operation');
  const config = obj(plugin.config);
  switch (name) {
    case 'key-auth':
    case 'basic-auth':
    case 'jwt':
      return importAuthPlugin(k, name, res, config);
    case 'rate-limiting':
      return importRateLimiting(k, res, config, operation);
    case 'request-transformer':
      return importRequestTransformer(k, res, config);
    default:
      k.note(res, 'unexpressed', `plugin ${name} has no proxyproof expectation`);
  }
}

/** key-auth, basic-auth, jwt -> auth (401); one authentication kind per suite, the first stays. */
function importAuthPlugin(k: KongImport, name: 'key-auth' | 'basic-auth' | 'jwt', res: string, config: Obj): void {
  const kind = name === 'key-auth' ? 'apiKey' : name === 'basic-auth' ? 'basic' : 'jwt';
  if (k.authKind && k.authKind !== kind) {
    k.note(res, 'conflict', `a second authentication plugin; the first (${k.authKind}) stays`);
    return;
  }
  k.authKind = kind;
  if (config.anonymous) k.note(res, 'unexpressed', `anonymous consumer ${String(config.anonymous)}: requests without a credential pass as it; the auth check expects them rejected`);
  if (name === 'key-auth') {
    const keys = arr(config.key_names).map(str).filter(Boolean);
    k.note(res, 'info', `key names ${keys.length ? keys.join(', ') : 'apikey (default)'}; Kong answers 401 for a missing and for a wrong key; the spec's apiKey scheme must name the same key`);
  }
  if (name === 'jwt') k.note(res, 'info', 'Kong picks the consumer by the token\'s iss (key_claim_name) and answers 401 otherwise');
  k.result.policies.auth = { reject: [401] };
}

/** rate-limiting -> rateLimit on its smallest window; one rate limit per suite, the first stays. */
function importRateLimiting(k: KongImport, res: string, config: Obj, operation: string | undefined): void {
  const policy = str(config.policy) ?? 'local';
  if (policy === 'cluster') k.note(res, 'unexpressed', 'policy cluster needs a database; DB-less Kong counts locally');
  if (policy === 'redis') k.note(res, 'info', 'policy redis: counted in Redis, shared by every Kong node');
  const given = WINDOWS.filter(([w]) => num(config[w]) !== undefined);
  if (!given.length) return k.note(res, 'unexpressed', 'no window (second, minute, hour, ...) set');
  const [window, ms] = given[0];
  const limitBy = str(config.limit_by) ?? 'consumer';
  const by: RateLimitPolicy['by'] | undefined = limitBy === 'consumer' || limitBy === 'credential' ? 'consumer' : limitBy === 'ip' ? 'ip' : limitBy === 'service' ? 'global' : undefined;
  if (!by) return k.note(res, 'unexpressed', `limit_by ${limitBy} has no proxyproof check`);
  if (k.result.policies.rateLimit) return k.note(res, 'conflict', 'a second rate-limiting plugin; one rate limit per suite, the first stays');
  k.result.policies.rateLimit = { limit: num(config[window])!, windowMs: ms, by, ...(operation ? { operations: [operation] } : {}) };
  for (const [w] of given.slice(1)) k.note(res, 'unexpressed', `the ${w} limit ${String(config[w])} is not checked; the ${window} limit is (fixed windows aligned to the clock)`);
  k.note(res, 'info', 'Kong sends RateLimit-* and X-RateLimit-*-<window> headers; Retry-After only on the 429');
}

/** request-transformer -> transform. */
function importRequestTransformer(k: KongImport, res: string, config: Obj): void {
  const { result, note } = k;
  // Headers removed, replaced and added become the transform expectation; the rest is listed.
  const section = (key: string) => arr(obj(config[key]).headers).map((h) => String(h));
  const pair = (h: string): [string, string] => [h.slice(0, h.indexOf(':')).trim(), h.slice(h.indexOf(':') + 1)];
  const t = (result.policies.transform ??= { setHeaders: {}, removeHeaders: [] });
  for (const h of section('remove')) if (!t.removeHeaders.includes(h)) t.removeHeaders.push(h);
  // replace + add sets a header; add alone only when the client sent none, replace alone only when it did.
  const replace = new Map(section('replace').filter((h) => h.includes(':')).map(pair));
  for (const [n, v] of section('add').filter((h) => h.includes(':')).map(pair)) {
    if (replace.get(n) === v) t.setHeaders[n] = v;
    else note(res, 'unexpressed', `add ${n} without replace: set only when the client sends none; not checked`);
  }
  for (const [n] of replace) if (!(n in t.setHeaders)) note(res, 'unexpressed', `replace ${n} without add: changed only when the client sends it; not checked`);
  for (const key of ['rename', 'append', 'http_method']) if (config[key] !== undefined && (key === 'http_method' || section(key).length)) note(res, 'unexpressed', `${key} has no proxyproof check`);
  for (const key of ['remove', 'rename', 'replace', 'add', 'append']) {
    const o = obj(config[key]);
    if (arr(o.querystring).length || arr(o.body).length) note(res, 'unexpressed', `${key} of querystring or body has no proxyproof check`);
  }
  if (!Object.keys(t.setHeaders).length && !t.removeHeaders.length) delete result.policies.transform;
}

/** A consumer's credentials -> suite consumers (named after it, -1, -2, ... when it has several); its first HS256 jwt_secret -> the jwt expectation. */
function importConsumer(k: KongImport, c: Obj): void {
  const { result, note } = k;
  const username = str(c.username) ?? str(c.custom_id) ?? 'consumer';
  const base = username.replace(/[^A-Za-z0-9_-]/g, '-').replace(/^[^A-Za-z]+/, '') || 'consumer';
  let n = 0;
  const add = (consumer: Omit<Consumer, 'name'>) => {
    result.consumers.push({ name: n++ === 0 ? base : `${base}-${n}`, ...consumer });
  };
  for (const key of arr(c.keyauth_credentials).map(obj)) {
    const value = str(key.key);
    if (value) add({ valid: true, credential: { kind: 'apiKey', key: value } });
  }
  for (const b of arr(c.basicauth_credentials).map(obj)) {
    const user = str(b.username);
    const password = str(b.password);
    if (user && password) add({ valid: true, credential: { kind: 'basic', user, password } });
  }
  for (const j of arr(c.jwt_secrets).map(obj)) {
    const alg = str(j.algorithm) ?? 'HS256';
    if (alg === 'HS256' && str(j.secret) && k.authKind === 'jwt' && !result.policies.auth?.jwt) {
      result.policies.auth = { reject: [401], jwt: { alg: 'HS256', secret: str(j.secret)!, issuer: str(j.key) } };
    } else {
      note(`consumer ${username}`, 'unexpressed', `jwt_secret ${str(j.key) ?? ''} (${alg}): only the first HS256 secret becomes the expectation; tokens are the suite's consumers`);
    }
  }
  if (arr(c.acls).length) note(`consumer ${username}`, 'unexpressed', 'acls have no proxyproof check');
}

/** A credential the proxy must reject, so the auth check has a wrong key to send. */
function addWrongCredential(result: ImportResult): void {
  if (!result.consumers.length) return;
  const first = result.consumers[0].credential;
  if (first.kind === 'apiKey') result.consumers.push({ name: 'kong-wrong-key', valid: false, credential: { kind: 'apiKey', key: 'proxyproof-wrong-key' } });
  if (first.kind === 'basic') result.consumers.push({ name: 'kong-wrong-password', valid: false, credential: { kind: 'basic', user: first.user, password: 'proxyproof-wrong-password' } });
}

/** An upstream's weighted targets -> canary; targets map onto the suite upstream's versions. */
function importUpstream(k: KongImport, u: Obj): void {
  const { ctx, result, note } = k;
  const uname = str(u.name) ?? '?';
  const res = `upstream ${uname}`;
  const targets = arr(u.targets).map(obj);
  if (u.healthchecks !== undefined) note(res, 'unexpressed', 'healthchecks have no proxyproof check');
  const algo = str(u.algorithm) ?? 'round-robin';
  if (algo !== 'round-robin') note(res, 'unexpressed', `algorithm ${algo}: weights are not a traffic split under hashing or least-connections; not checked`);
  if (targets.length < 2) note(res, 'info', `${targets.length} target(s): no traffic split to check`);
  if (targets.length < 2 || algo !== 'round-robin') return;
  const suiteUp = ctx.upstreams?.find((s) => s.name === uname) ?? (ctx.upstreams?.length === 1 ? ctx.upstreams[0] : undefined);
  const weights: Record<string, number> = {};
  targets.forEach((t, i) => {
    const target = str(t.target) ?? `target${i}`;
    const host = target.split(':')[0];
    const version = suiteUp?.versions.includes(host) ? host : (suiteUp?.versions[i] ?? target);
    weights[version] = (weights[version] ?? 0) + (num(t.weight) ?? 100);
  });
  if (result.policies.canary) return note(res, 'conflict', 'a second weighted upstream; one canary per suite, the first stays');
  const upstream = suiteUp?.name ?? uname;
  note(res, 'info', `targets ${targets.map((t) => str(t.target)).join(', ')} are versions ${Object.keys(weights).join(', ')} of upstream ${upstream}`);
  result.policies.canary = { upstream, weights, tolerance: IMPORTED_CANARY_TOLERANCE, alpha: 1e-4, maxRequests: 6400 };
}

export function importKongDoc(doc: Obj, ctx: ImportContext): ImportResult {
  const result = emptyResult();
  const k: KongImport = { ctx, result, note: (resource, kind, message) => result.notes.push({ source: ctx.file, resource, kind, message }) };
  formatVersionNotes(k, doc);
  for (const p of collectPlugins(k, doc)) importPlugin(k, p);
  // Consumers and their credentials.
  for (const c of arr(doc.consumers).map(obj)) importConsumer(k, c);
  addWrongCredential(result);
  // Upstreams: weighted targets -> canary.
  for (const u of arr(doc.upstreams).map(obj)) importUpstream(k, u);
  return result;
}
