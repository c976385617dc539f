// HAProxy target: renders haproxy.cfg from the suite's policies, or takes the
// user's config with placeholders.

import path from 'node:path';
import { HAPROXY_RETRY_STATUSES } from './features.ts';
import { readUserConfig } from '../shared/placeholders.ts';
import { makePlan, retryAfterSeconds, type JwtPlan, type Plan, type UpstreamPlan } from '../shared/plan.ts';
import { ALL_METHODS } from '../../model/spec.ts';
import type { RenderedConfig, RenderInput } from '../../model/target.ts';
import type { FaultRule } from '../../checks/fault/policy.ts';
import type { RetryPolicy } from '../../checks/retry/policy.ts';
import { headerName, httpMethod, inSuite, opSource, places, schemeNameSource, type Source } from '../shared/values.ts';
import { arg, comment, inBraces, logFormat, patterns, regex, str, userName, word } from './escape.ts';
import { onRoutes, routesWith, writeRouteBackendRules, writeRouteFaults, writeRouteRewrites, writeRoutes, writeRouteTransforms } from './routes.ts';
import { routeRetry, routeTimeout } from '../shared/route-rules.ts';
import type { TimeoutPolicy } from '../../checks/timeout/policy.ts';

const MAIN_FILE = 'haproxy.cfg';
const DELAY_LUA = 'pp-fault-delay.lua';
const DELAY_LUA_SOURCE = `-- Rendered by proxyproof: fault.delay. Holds a request for the given
-- milliseconds before HAProxy goes on with it.
core.register_action("pp_delay", { "http-req" }, function(txn, ms)
  core.msleep(tonumber(ms))
end, 1)
`;
/** HAProxy server weights are 0..256. */
const WEIGHT_CAP = 256;

/** The fetch reading the credential; the apiKey scheme's name is an argument in parentheses. */
function credentialFetch(c: Ctx): string {
  const auth = c.plan.auth;
  switch (auth?.kind) {
    case 'apiKey': {
      const name = arg(auth.name, schemeNameSource(c.input, auth.schemeName));
      if (auth.in === 'query') return `url_param(${name})`;
      if (auth.in === 'cookie') return `req.cook(${name})`;
      // req.fhdr: the whole last value; req.hdr splits at commas, so `wrong, <valid key>` would pass (haproxy.md).
      return `req.fhdr(${name})`;
    }
    default:
      return 'req.fhdr(authorization)';
  }
}

function commands(bin: string, workdir: string, mainFile: string) {
  const file = path.join(workdir, mainFile);
  return {
    command: { bin, args: ['-db', '-f', file] },
    checkCommand: { bin, args: ['-c', '-f', file] },
  };
}

function ms(n: number): string {
  return `${Math.max(1, Math.round(n))}ms`;
}

/** What each section writer needs: the plan, the input, the files beside haproxy.cfg and a line writer. */
interface Ctx {
  plan: Plan;
  input: RenderInput;
  /** Files written into the workdir besides haproxy.cfg: relative path -> content. */
  files: Record<string, string>;
  /** Appends a line of haproxy.cfg, `indent` levels of four spaces deep. */
  line: (indent: number, text: string) => void;
}

type OpPlan = Plan['ops'][number];

/** Values as ACL patterns, each encoded by `encode`, with -- when one looks like a flag. */
function patternsOf(values: Array<{ raw: string; src: Source }>, encode: (v: string, src: Source) => string): string {
  return patterns(values.map((v) => ({ ...v, text: encode(v.raw, v.src) })));
}

/** Patterns per ACL line: HAProxy reads at most 64 words a line (haproxy.md), and lines of one ACL name are ORed. */
const PATTERNS_PER_LINE = 50;

/**
 * A named ACL true for the operations `pred` picks, written 50 operations a
 * line (a spec with more than about 56 operations broke a single line).
 * Returns false, writing nothing, when no operation is picked.
 */
function opAcl(c: Ctx, name: string, pred: (o: OpPlan) => boolean): boolean {
  const keys = c.plan.ops.filter(pred).map((o) => o.key);
  for (let i = 0; i < keys.length; i += PATTERNS_PER_LINE) c.line(1, `acl ${name} var(txn.pp_op) -m str ${keys.slice(i, i + PATTERNS_PER_LINE).join(' ')}`);
  return keys.length > 0;
}

/** The retried methods as ACL patterns (known methods only). */
function retriedMethods(c: Ctx, retry: RetryPolicy): string {
  return retry.methods.map((m) => httpMethod(m, inSuite(c.input, places.retryMethods))).join(' ');
}

function retriesEveryMethod(retry: RetryPolicy): boolean {
  return ALL_METHODS.every((m) => retry.methods.includes(m));
}

export function renderHaproxy(input: RenderInput, bin: string): RenderedConfig {
  const out: string[] = [];
  const c: Ctx = {
    plan: makePlan(input, WEIGHT_CAP, 'haproxy'),
    input,
    files: {},
    line: (indent, text) => out.push(`${'    '.repeat(indent)}${text}`),
  };
  writeGlobal(c);
  writeDefaults(c);
  writeUserlist(c);
  writeRateLimitTable(c);
  writeFrontend(c);
  for (const u of c.plan.upstreams) writeBackend(c, `be_${u.name}`, u, c.plan.retry, input.suite.policies.timeout);
  for (const r of c.plan.routes) writeBackend(c, `route_${r.key}`, r.upstream, routeRetry(c.plan, r), routeTimeout(input.suite.policies, r));
  c.files[MAIN_FILE] = out.join('\n') + '\n';
  return { target: 'haproxy', mainFile: MAIN_FILE, files: c.files, ...commands(bin, input.workdir, MAIN_FILE) };
}

/** A file in the workdir as one word: the workdir is ours, but its path is still written safely. */
function inWorkdir(c: Ctx, file: string): string {
  return word(path.join(c.input.workdir, file), { file: c.input.workdir, place: undefined });
}

function writeGlobal(c: Ctx): void {
  const { input, line } = c;
  line(0, comment(`Rendered by proxyproof from suite "${input.suite.name}" (${input.suite.file}).`));
  line(0, '# Edit the suite, not this file.');
  line(0, 'global');
  line(1, 'log stderr format raw local0 info');
  line(1, `pidfile ${inWorkdir(c, 'haproxy.pid')}`);
  line(1, 'maxconn 4096');
  const rules = [...(input.suite.policies.fault?.rules ?? []), ...c.plan.routes.flatMap((r) => r.policies.fault?.rules ?? [])];
  const delays = rules.some((f) => f.delay);
  if (delays) {
    // fault.delay: HAProxy has no delay action; a Lua action sleeps (core.msleep yields, the worker goes on).
    c.files[DELAY_LUA] = DELAY_LUA_SOURCE;
    line(1, `lua-load ${inWorkdir(c, DELAY_LUA)}`);
  }
}

function writeDefaults(c: Ctx): void {
  const { line } = c;
  line(0, '');
  line(0, 'defaults');
  line(1, 'mode http');
  line(1, 'log global');
  line(1, 'option httplog');
  line(1, 'timeout connect 2s');
  line(1, 'timeout client 30s');
  line(1, 'timeout server 30s');
  line(1, 'timeout http-request 10s');
}

function writeUserlist(c: Ctx): void {
  const auth = c.plan.auth;
  if (auth?.kind !== 'basic') return;
  c.line(0, '');
  c.line(0, 'userlist pp_users');
  for (const u of auth.users) {
    const user = userName(u.user, inSuite(c.input, places.basicUser(u.consumer)));
    c.line(1, `user ${user} insecure-password ${str(u.password, inSuite(c.input, places.basicPassword(u.consumer)))}`);
  }
}

function writeRateLimitTable(c: Ctx): void {
  const { line } = c;
  const rl = c.plan.rateLimit;
  if (!rl) return;
  line(0, '');
  line(0, comment(`Rate limit: ${rl.limit} admitted requests per ${rl.windowMs} ms by ${rl.by}.`));
  line(0, '# Only admitted requests are counted (gpc0), so rejected ones do not prolong the block.');
  line(0, 'backend pp_rl');
  const type = rl.by === 'ip' ? 'type ip' : 'type string len 512';
  line(1, `stick-table ${type} size 100k expire ${ms(Math.max(rl.windowMs * 2, 10_000))} store gpc0,gpc0_rate(${ms(rl.windowMs)})`);
}

function writeFrontend(c: Ctx): void {
  const { input, line } = c;
  line(0, '');
  line(0, 'frontend pp_in');
  line(1, `bind ${input.listen.host}:${input.listen.port}`);
  writeOperationAcls(c);
  if (c.plan.routes.length) writeRoutes(c);
  writeAuth(c);
  writeRateLimit(c);
  writeFaults(c);
  writeRouteFaults(c);
  writeTransform(c);
  writeRouteTransforms(c);
  writeRouteRewrites(c);
  writeRouting(c);
}

function writeOperationAcls(c: Ctx): void {
  const { line } = c;
  line(1, '# Which operation of the spec a request is (method + path); the first match wins.');
  for (const o of c.plan.ops) {
    const src = opSource(c.input, o.op);
    line(1, `acl m_${o.key} method ${httpMethod(o.op.method, src)}`);
    line(1, `acl p_${o.key} path_reg ${patterns([{ raw: o.op.pathRegex, text: regex(o.op.pathRegex, src), src }])}`);
    line(1, `http-request set-var(txn.pp_op) str(${o.key}) if m_${o.key} p_${o.key} !{ var(txn.pp_op) -m found } ${comment(o.op.id)}`);
  }
  // With routes, a request for no operation is judged by the routes first (routes.ts).
  if (!c.plan.routes.length) line(1, 'http-request deny deny_status 404 if !{ var(txn.pp_op) -m found }');
}

function writeAuth(c: Ctx): void {
  const { plan, line } = c;
  const auth = plan.auth;
  if (!auth) return;
  line(1, '');
  line(1, comment(`Operations that need a credential (${auth.schemeName}, ${auth.kind}).`));
  if (!opAcl(c, 'pp_secured', (o) => o.secured)) return;
  if (auth.kind === 'apiKey') {
    // HAProxy reads at most 64 words a line; lines of one ACL name are ORed, so the keys go 50 a line.
    const keys = auth.validKeys.map((k) => ({ raw: k.key, src: inSuite(c.input, places.apiKey(k.consumer)) }));
    if (!keys.length) line(1, 'acl pp_credential_ok always_false');
    for (let i = 0; i < keys.length; i += PATTERNS_PER_LINE) line(1, `acl pp_credential_ok ${credentialFetch(c)} -m str ${patternsOf(keys.slice(i, i + PATTERNS_PER_LINE), str)}`);
    line(1, 'http-request deny deny_status 401 if pp_secured !pp_credential_ok');
  } else if (auth.kind === 'basic') {
    line(1, 'http-request auth realm proxyproof if pp_secured !{ http_auth(pp_users) }');
  } else {
    writeJwtChecks(c, auth.jwt);
  }
}

function writeJwtChecks(c: Ctx, jwt: JwtPlan): void {
  const { line } = c;
  line(1, 'http-request set-var(txn.pp_bearer) http_auth_bearer if pp_secured');
  if (jwt.alg === 'HS256') {
    line(1, `acl pp_jwt_sig var(txn.pp_bearer),jwt_verify("HS256",${arg(jwt.secret ?? '', inSuite(c.input, places.jwt('secret')), true)}) -m int 1`);
  } else {
    jwt.keys.forEach((k, i) => {
      const file = `jwt-key-${i}.pem`;
      c.files[file] = k.pem;
      line(1, `acl pp_jwt_sig var(txn.pp_bearer),jwt_verify("RS256",${arg(path.join(c.input.workdir, file), { file: c.input.workdir, place: undefined }, true)}) -m int 1`);
    });
  }
  line(1, `acl pp_jwt_alg var(txn.pp_bearer),jwt_header_query('$.alg') -m str ${jwt.alg}`);
  line(1, "http-request set-var(txn.pp_exp) var(txn.pp_bearer),jwt_payload_query('$.exp','int') if pp_secured");
  line(1, 'http-request set-var(txn.pp_now) date() if pp_secured');
  line(1, 'acl pp_jwt_expired var(txn.pp_exp),sub(txn.pp_now) -m int le 0');
  // A token not yet valid (nbf in the future) is refused too, as nginx's jwt.js does (haproxy.md, finding D).
  // Kong checks only the claims_to_verify it is given (kong/plugins/jwt/schema.lua: exp, nbf); it is rendered with exp.
  line(1, "http-request set-var(txn.pp_nbf) var(txn.pp_bearer),jwt_payload_query('$.nbf','int') if pp_secured");
  line(1, 'acl pp_jwt_early var(txn.pp_nbf),sub(txn.pp_now) -m int gt 0');
  if (jwt.issuer) {
    line(1, `acl pp_jwt_iss var(txn.pp_bearer),jwt_payload_query('$.iss') -m str ${patternsOf([{ raw: jwt.issuer, src: inSuite(c.input, places.jwt('issuer')) }], str)}`);
  }
  line(1, 'http-request deny deny_status 401 if pp_secured !{ var(txn.pp_bearer) -m found }');
  line(1, 'http-request deny deny_status 401 if pp_secured !pp_jwt_alg');
  line(1, 'http-request deny deny_status 401 if pp_secured !pp_jwt_sig');
  line(1, 'http-request deny deny_status 401 if pp_secured pp_jwt_expired');
  line(1, 'http-request deny deny_status 401 if pp_secured pp_jwt_early');
  if (jwt.issuer) line(1, 'http-request deny deny_status 401 if pp_secured !pp_jwt_iss');
}

function writeRateLimit(c: Ctx): void {
  const { plan, line } = c;
  const rl = plan.rateLimit;
  if (!rl) return;
  line(1, '');
  if (!opAcl(c, 'pp_rl_scope', (o) => o.rateLimited)) return;
  const key = rl.by === 'consumer' ? credentialFetch(c) : rl.by === 'ip' ? 'src' : 'str(global)';
  line(1, `http-request track-sc0 ${key} table pp_rl if pp_rl_scope`);
  line(
    1,
    `http-request return status 429 content-type text/plain string "rate limited" hdr Retry-After ${retryAfterSeconds(rl.windowMs)} if pp_rl_scope { sc_gpc0_rate(0) ge ${rl.limit} }`,
  );
  line(1, 'http-request sc-inc-gpc0(0) if pp_rl_scope');
}

function writeFaults(c: Ctx): void {
  const faults = c.input.suite.policies.fault?.rules ?? [];
  if (!faults.length && !routesWith(c.plan, 'fault').length) return;
  c.line(1, '');
  c.line(1, '# Faults the proxy injects itself: a delay holds the request (before any abort), an abort answers it here, never sent upstream.');
  faults.forEach((f, i) => writeFault(c, f, i));
}

/** A fault rule's header matcher as an anonymous ACL; an empty value matches as HAProxy can write it. */
function faultCondition(c: Ctx, i: number, k: number, h: FaultRule['headers'][number]): string | undefined {
  const at = (field: 'name' | 'exact' | 'prefix' | 'regex'): Source => inSuite(c.input, places.faultHeader(i, k, field));
  // req.fhdr: the header's full value (req.hdr would match each comma-separated part, unlike nginx and Envoy).
  const fetch = `req.fhdr(${arg(headerName(h.name, at('name')), at('name'))})`;
  const one = (raw: string, src: Source, encode: (v: string, s: Source) => string) => patterns([{ raw: inBraces(raw, src), text: encode(raw, src), src }]);
  if (h.exact !== undefined) return h.exact === '' ? `{ ${fetch} -m len 0 }` : `{ ${fetch} -m str ${one(h.exact, at('exact'), str)} }`;
  if (h.prefix !== undefined) return h.prefix === '' ? `{ ${fetch} -m found }` : `{ ${fetch} -m beg ${one(h.prefix, at('prefix'), str)} }`;
  if (h.regex !== undefined) return h.regex === '' ? `{ ${fetch} -m found }` : `{ ${fetch} -m reg ${one(h.regex, at('regex'), regex)} }`;
  return undefined;
}

function writeFault(c: Ctx, f: FaultRule, i: number): void {
  if (!opAcl(c, `pp_fault${i}_ops`, (o) => o.upstream === f.upstream)) return;
  const conds = [`pp_fault${i}_ops`];
  // A route with its own fault replaces the suite's for its requests.
  const own = routesWith(c.plan, 'fault');
  if (own.length) conds.push(onRoutes(own, true));
  f.headers.forEach((h, k) => {
    const cond = faultCondition(c, i, k, h);
    if (cond) conds.push(cond);
  });
  const share = (percent: number) => (percent < 100 ? [`{ rand(10000) -m int lt ${Math.round(percent * 100)} }`] : []);
  if (f.delay && f.delay.percent > 0) c.line(1, `http-request lua.pp_delay ${f.delay.fixedDelayMs} if ${[...conds, ...share(f.delay.percent)].join(' ')}`);
  if (f.abort && f.abort.percent > 0) c.line(1, `http-request return status ${f.abort.status} content-type text/plain string "fault ${i}: abort" if ${[...conds, ...share(f.abort.percent)].join(' ')}`);
}

function writeTransform(c: Ctx): void {
  const { line } = c;
  const transform = c.input.suite.policies.transform;
  const own = routesWith(c.plan, 'transform');
  if (!transform && !own.length) return;
  line(1, '');
  line(1, '# Request transformation (set-header replaces what the client sent; values are log-format, so % is doubled).');
  if (!transform) return;
  // A route with its own transform replaces the suite's for its requests.
  const unless = own.length ? ` if ${onRoutes(own, true)}` : '';
  for (const [name, value] of Object.entries(transform.setHeaders)) {
    const src = inSuite(c.input, places.setHeader(name));
    line(1, `http-request set-header ${word(headerName(name, src), src)} ${logFormat(value, src)}${unless}`);
  }
  transform.removeHeaders.forEach((name, i) => {
    const src = inSuite(c.input, places.removeHeader(i));
    line(1, `http-request del-header ${word(headerName(name, src), src)}${unless}`);
  });
}

function writeRouting(c: Ctx): void {
  const { plan, line } = c;
  line(1, '');
  writeRouteBackendRules(c);
  for (const u of plan.upstreams) {
    if (opAcl(c, `pp_to_${u.name}`, (o) => o.upstream === u.name)) line(1, `use_backend be_${u.name} if pp_to_${u.name}`);
  }
  if (plan.upstreams[0]) line(1, `default_backend be_${plan.upstreams[0].name}`);
}

function writeBackend(c: Ctx, name: string, u: UpstreamPlan, retry: RetryPolicy | undefined, timeout: TimeoutPolicy | undefined): void {
  const { plan, line } = c;
  line(0, '');
  line(0, `backend ${name}`);
  // `balance random` alone means random(2): the less loaded of two draws,
  // which pulls shares toward equal under concurrency (measured here: 77% for
  // an 80% weight). random(1) is plain weighted random. Its draws land on a
  // hash ring with 16 points per unit of weight, so weights are scaled up
  // (ratios kept exactly) to give the ring enough points to be even.
  line(1, `balance ${plan.balance === 'random' ? 'random(1)' : 'roundrobin'}`);
  const ringScale = plan.balance === 'random' ? Math.max(1, Math.floor(WEIGHT_CAP / Math.max(1, ...u.servers.map((s) => s.weight)))) : 1;
  writeRetries(c, retry);
  writeServerTimeout(c, retry, timeout);
  for (const s of u.servers) {
    line(1, `server ${u.name}-${s.version}-${s.replica} ${s.endpoint.host}:${s.endpoint.port} weight ${s.weight * ringScale}`);
  }
}

function writeRetries(c: Ctx, retry: RetryPolicy | undefined): void {
  const { line } = c;
  if (!retry) {
    line(1, 'retries 0');
    return;
  }
  const on = ['conn-failure', 'empty-response'];
  if (retry.perTryTimeoutMs !== undefined) on.push('response-timeout');
  for (const s of retry.on) if (HAPROXY_RETRY_STATUSES.has(s)) on.push(String(s));
  line(1, '# L7 retries replay the request, so it is buffered first.');
  line(1, 'option http-buffer-request');
  line(1, `retries ${retry.attempts}`);
  line(1, `retry-on ${on.join(' ')}`);
  line(1, 'option redispatch 1');
  if (!retriesEveryMethod(retry)) {
    line(1, `http-request disable-l7-retry if !{ method ${retriedMethods(c, retry)} }`);
  }
}

function writeServerTimeout(c: Ctx, retry: RetryPolicy | undefined, timeout: TimeoutPolicy | undefined): void {
  const { line } = c;
  if (retry?.perTryTimeoutMs !== undefined) line(1, `timeout server ${ms(retry.perTryTimeoutMs)}`);
  else if (timeout) line(1, `timeout server ${ms(timeout.requestMs)}`);
  if (timeout && retry?.perTryTimeoutMs !== undefined && !retriesEveryMethod(retry)) {
    // Methods that are not retried get one try: the whole request timeout.
    line(1, `http-request set-timeout server ${ms(timeout.requestMs)} if !{ method ${retriedMethods(c, retry)} }`);
  }
}

export function haproxyFromUserConfig(input: RenderInput, configFile: string, bin: string): RenderedConfig & { sourceFile: string } {
  const { content, mainFile } = readUserConfig(input, configFile, 'HAProxy');
  return { target: 'haproxy', mainFile, files: { [mainFile]: content }, ...commands(bin, input.workdir, mainFile), sourceFile: configFile };
}
