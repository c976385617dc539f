// nginx target: renders nginx.conf from the suite's policies, or takes the
// user's config with placeholders.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readUserConfig } from '../shared/placeholders.ts';
import { InputError } from '../../model/errors.ts';
import { ms, retriedMethodSubset, retryDirectives, routeLocationDirectives, timeoutDirectives, triesOf } from './directives.ts';
import { anyRewrite, routeLocations, routesWith, transformHeaders, writeJumpMap, writeRewriteMap, writeRouteFaultFlags, writeRouteFaultReturns, writeRouteMaps, writeRouteTransformMaps, type RouteLocation } from './routes.ts';
import { routeRetry, routeTimeout } from '../shared/route-rules.ts';
import { makePlan, retryAfterSeconds, type AuthPlan, type Plan } from '../shared/plan.ts';
import type { RenderedConfig, RenderInput } from '../../model/target.ts';
import { escapeRegExp } from '../../util/regex.ts';
import type { FaultRule } from '../../checks/fault/policy.ts';
import { headerName, httpMethod, inSuite, opSource, places, regexSource, schemeNameSource, type Source } from '../shared/values.ts';
import { comment, dollarGeo, expanded, headerVar, htpasswdUser, nameVar, needsDollar, str, word } from './escape.ts';

const MAIN_FILE = 'nginx.conf';
const JS_MODULE = '/usr/lib/nginx/modules/ngx_http_js_module.so';
const JWT_JS = fileURLToPath(new URL('./jwt.js', import.meta.url));
/** nginx weights have no small cap, but keep them readable. */
const WEIGHT_CAP = 1000;

/** A query parameter or cookie whose name nginx's $arg_/$cookie_ variables cannot spell (a '-', say). */
function extractedName(c: Ctx): { from: '$args' | '$http_cookie'; name: string } | undefined {
  const auth = c.plan.auth;
  if (auth?.kind !== 'apiKey' || auth.in === 'header' || /^[A-Za-z0-9_]+$/.test(auth.name)) return undefined;
  return { from: auth.in === 'query' ? '$args' : '$http_cookie', name: auth.name };
}

/** The variable holding the credential. */
function credentialVar(c: Ctx): string {
  const { plan, input } = c;
  switch (plan.auth?.kind) {
    case 'apiKey': {
      const src = schemeNameSource(input, plan.auth.schemeName);
      if (extractedName(c)) return '$pp_credential';
      if (plan.auth.in === 'query') return nameVar('arg', plan.auth.name, src);
      if (plan.auth.in === 'cookie') return nameVar('cookie', plan.auth.name, src);
      return headerVar(plan.auth.name, src);
    }
    case 'basic':
      return '$remote_user';
    default:
      return '$http_authorization';
  }
}

/** Why nginx cannot write this rate exactly (its rate is a whole number per second or per minute), or undefined. */
export function nginxRateProblem(limit: number, windowMs: number): string | undefined {
  const perSecond = (limit * 1000) / windowMs;
  const perMinute = (limit * 60_000) / windowMs;
  if ((Number.isInteger(perSecond) && perSecond >= 1) || (Number.isInteger(perMinute) && perMinute >= 1)) return undefined;
  return `nginx's limit_req rate is a whole number of requests per second or per minute; ${limit} per ${windowMs} ms is ${perMinute.toFixed(3)} per minute`;
}

/** Rate "limit per window" as nginx writes it (r/s or r/m, integers only; nginxRateProblem says when it cannot). */
export function nginxRate(limit: number, windowMs: number): string {
  const perSecond = (limit * 1000) / windowMs;
  if (Number.isInteger(perSecond) && perSecond >= 1) return `${perSecond}r/s`;
  return `${Math.max(1, Math.round((limit * 60_000) / windowMs))}r/m`;
}

function commands(bin: string, workdir: string, mainFile: string, extraGlobal?: string) {
  const base = ['-p', `${workdir}/`, '-c', path.join(workdir, mainFile), '-e', path.join(workdir, 'error.log')];
  const g = extraGlobal ? ['-g', extraGlobal] : [];
  return {
    command: { bin, args: [...base, ...g] },
    checkCommand: { bin, args: ['-t', '-q', ...base, ...g] },
  };
}

/** What each section writer needs: the plan, the input, the files beside nginx.conf and a line writer. */
interface Ctx {
  plan: Plan;
  input: RenderInput;
  /** Files written into the workdir besides nginx.conf: relative path -> content. */
  files: Record<string, string>;
  /** Appends a line of nginx.conf, `indent` levels of four spaces deep. */
  line: (indent: number, text: string) => void;
  /** Named locations of routes with their own retry or timeout. */
  routeLocs: RouteLocation[];
}

type AuthOf<K extends AuthPlan['kind']> = Extract<AuthPlan, { kind: K }>;

/** A fault.abort rule that applies to at least one operation, with those operations' keys. */
interface AbortRule {
  i: number;
  f: FaultRule;
  abort: NonNullable<FaultRule['abort']>;
  ops: string[];
}

export function renderNginx(input: RenderInput, bin: string): RenderedConfig {
  const out: string[] = [];
  const plan = makePlan(input, WEIGHT_CAP, 'nginx');
  const c: Ctx = {
    plan,
    input,
    files: {},
    line: (indent, text) => out.push(`${'    '.repeat(indent)}${text}`),
    routeLocs: routeLocations(plan, (r) => routeRetry(plan, r), retriedMethodSubset),
  };
  writeMainContext(c);
  writeHttp(c);
  c.files[MAIN_FILE] = out.join('\n') + '\n';
  return { target: 'nginx', mainFile: MAIN_FILE, files: c.files, ...commands(bin, input.workdir, MAIN_FILE) };
}

function writeMainContext(c: Ctx): void {
  const { input, plan, line } = c;
  line(0, comment(`Rendered by proxyproof from suite "${input.suite.name}" (${input.suite.file}).`));
  line(0, '# Edit the suite, not this file.');
  if (plan.auth?.kind === 'bearer') line(0, `load_module ${JS_MODULE};`);
  line(0, 'worker_processes 1;');
  if (process.getuid?.() === 0) {
    // Started by root, workers would run as nobody: they could not read the
    // htpasswd/JWT files nor write temp files when a parent of the workdir is private.
    line(0, 'user root;');
  }
  line(0, 'daemon off;');
  line(0, `pid ${inWorkdir(c, 'nginx.pid')};`);
  line(0, `error_log ${inWorkdir(c, 'error.log')} info;`);
  line(0, 'events { worker_connections 1024; }');
}

/**
 * A file in the workdir as one token: the workdir is ours, but its path is
 * still written safely, `expands` where nginx reads variables in it.
 */
function inWorkdir(c: Ctx, file: string, expands = false): string {
  const p = path.join(c.input.workdir, file);
  const src = { file: c.input.workdir, place: undefined };
  return expands && p.includes('$') ? expanded(p, src) : word(p, src);
}

function writeHttp(c: Ctx): void {
  const { line } = c;
  const aborts = abortRules(c);
  line(0, 'http {');
  line(1, `access_log ${inWorkdir(c, 'access.log', true)};`);
  for (const t of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) line(1, `${t}_temp_path ${inWorkdir(c, `${t}_temp`)};`);
  // A literal $ in an expanded string is ${pp_dollar}: declared only when one is written.
  const routeValues = c.plan.routes.flatMap((r) => [...Object.values(r.policies.transform?.setHeaders ?? {}), r.route.rewrite?.full ?? '', r.route.rewrite?.prefix ?? '']);
  if (needsDollar([...Object.values(c.input.suite.policies.transform?.setHeaders ?? {}), ...routeValues, c.input.workdir])) line(1, dollarGeo());
  writeOperationMaps(c);
  if (c.plan.routes.length) {
    writeRouteMaps(c);
    writeJumpMap(c, c.routeLocs);
    writeRouteFaultFlags(c);
    writeRouteTransformMaps(c);
    writeRewriteMap(c);
  }
  writeExtractedCredential(c);
  writeAuth(c);
  writeRateLimit(c);
  for (const rule of aborts) writeAbortFlag(c, rule);
  writeUpstreams(c);
  writeServer(c, aborts);
  line(0, '}');
}

/**
 * A credential under a name $arg_/$cookie_ cannot spell is cut out of the raw
 * query string or Cookie header by a regex map (a named capture, PCRE).
 */
function writeExtractedCredential(c: Ctx): void {
  const x = extractedName(c);
  if (!x) return;
  const sep = x.from === '$args' ? '&' : ';';
  const lead = x.from === '$args' ? '(?:^|&)' : '(?:^|;\\s*)';
  c.line(1, '');
  c.line(1, `# The credential: ${x.from === '$args' ? 'query parameter' : 'cookie'} ${comment(x.name)}.`);
  c.line(1, `map ${x.from} $pp_credential {`);
  const src = schemeNameSource(c.input, (c.plan.auth as { schemeName: string }).schemeName);
  c.line(2, `${str(`~${lead}${escapeRegExp(x.name)}=(?<pp_credential_value>[^${sep}]*)`, src)} $pp_credential_value;`);
  c.line(2, 'default "";');
  c.line(1, '}');
}

function writeOperationMaps(c: Ctx): void {
  const { plan, line } = c;
  line(1, '');
  line(1, '# Which operation of the spec a request is (method + path).');
  line(1, 'map "$request_method:$uri" $pp_op {');
  line(2, 'default "";');
  for (const o of plan.ops) {
    const src = opSource(c.input, o.op);
    const re = regexSource(o.op.pathRegex, src, 'nginx.conf').replace(/^\^/, '');
    line(2, `${str(`~^${httpMethod(o.op.method, src)}:${re}`, src)} ${o.key}; ${comment(o.op.id)}`);
  }
  line(1, '}');
  line(1, 'map $pp_op $pp_upstream {');
  line(2, 'default "";');
  for (const o of plan.ops) line(2, `${o.key} ${o.upstream};`);
  line(1, '}');
}

function writeAuth(c: Ctx): void {
  const { plan, line } = c;
  const auth = plan.auth;
  if (!auth) return;
  line(1, '');
  line(1, comment(`Operations that need a credential (${auth.schemeName}, ${auth.kind}).`));
  line(1, 'map $pp_op $pp_secured {');
  line(2, 'default 0;');
  for (const o of plan.ops) if (o.secured) line(2, `${o.key} 1;`);
  line(1, '}');
  if (auth.kind === 'apiKey') writeApiKeyCheck(c, auth);
  else if (auth.kind === 'basic') writeBasicUsers(c, auth);
  else writeJwtModule(c, auth);
}

function writeApiKeyCheck(c: Ctx, auth: AuthOf<'apiKey'>): void {
  const { line } = c;
  line(1, `map ${credentialVar(c)} $pp_credential_ok {`);
  line(2, 'default 0;');
  // Plain map keys compare case-insensitively in nginx; a regex (~) is case-sensitive.
  for (const k of auth.validKeys) line(2, `${str(`~^${escapeRegExp(k.key)}$`, inSuite(c.input, places.apiKey(k.consumer)))} 1;`);
  line(1, '}');
  line(1, 'map "$pp_secured:$pp_credential_ok" $pp_reject {');
  line(2, 'default 0;');
  line(2, '"1:0" 1;');
  line(1, '}');
}

function writeBasicUsers(c: Ctx, auth: AuthOf<'basic'>): void {
  const { line } = c;
  // The password is only hashed, so any text is fine; the user name is the line's start.
  c.files['htpasswd'] = auth.users
    .map((u) => `${htpasswdUser(u.user, inSuite(c.input, places.basicUser(u.consumer)))}:{SHA}${createHash('sha1').update(u.password).digest('base64')}`)
    .join('\n') + '\n';
  line(1, 'map $pp_secured $pp_realm {');
  line(2, 'default off;');
  line(2, '1 proxyproof;');
  line(1, '}');
}

function writeJwtModule(c: Ctx, auth: AuthOf<'bearer'>): void {
  c.files['jwt.js'] = readFileSync(JWT_JS, 'utf8');
  c.files['jwt-keys.json'] = JSON.stringify(
    {
      alg: auth.jwt.alg,
      secret: auth.jwt.secret,
      issuer: auth.jwt.issuer,
      keys: auth.jwt.keys.map((k) => ({
        kid: k.kid,
        spki: k.pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''),
      })),
    },
    null,
    2,
  );
  c.line(1, `js_path ${inWorkdir(c, '/')};`);
  c.line(1, 'js_import jwt from jwt.js;');
}

function writeRateLimit(c: Ctx): void {
  const { plan, line } = c;
  const rl = plan.rateLimit;
  if (!rl) return;
  line(1, '');
  line(1, comment(`Rate limit: ${rl.limit} per ${rl.windowMs} ms by ${rl.by}; an empty key is not limited.`));
  line(1, 'map $pp_op $pp_rl_scope {');
  line(2, 'default 0;');
  for (const o of plan.ops) if (o.rateLimited) line(2, `${o.key} 1;`);
  line(1, '}');
  if (rl.by === 'consumer') {
    line(1, `map "$pp_rl_scope:${credentialVar(c)}" $pp_rl_key {`);
    line(2, 'default "";');
    line(2, '"~^1:(?<pp_k>.+)$" $pp_k;');
  } else {
    line(1, 'map $pp_rl_scope $pp_rl_key {');
    line(2, 'default "";');
    line(2, rl.by === 'ip' ? '1 $binary_remote_addr;' : '1 global;');
  }
  line(1, '}');
  line(1, `limit_req_zone $pp_rl_key zone=pp_rl:10m rate=${nginxRate(rl.limit, rl.windowMs)};`);
  line(1, 'limit_req_status 429;');
}

function abortRules(c: Ctx): AbortRule[] {
  return (c.input.suite.policies.fault?.rules ?? []).flatMap((f, i) => {
    const ops = c.plan.ops.filter((o) => o.upstream === f.upstream).map((o) => o.key);
    return f.abort && f.abort.percent > 0 && ops.length ? [{ i, f, abort: f.abort, ops }] : [];
  });
}

/** A fault rule's header matcher as a map key: the regex, quoted; errors name the setting it came from. */
function faultMatchKey(c: Ctx, i: number, k: number, h: FaultRule['headers'][number]): string {
  const at = (field: 'exact' | 'prefix' | 'regex'): Source => inSuite(c.input, places.faultHeader(i, k, field));
  if (h.exact !== undefined) return str(`~^${escapeRegExp(h.exact)}$`, at('exact'));
  if (h.prefix !== undefined) return str(`~^${escapeRegExp(h.prefix)}`, at('prefix'));
  return str(`~^(?:${regexSource(h.regex ?? '.*', at('regex'), 'nginx.conf')})$`, at('regex'));
}

// Faults the proxy answers itself (fault.abort): one flag per rule, from the
// operation, each header matcher (its own map: nginx maps take one source)
// and, below 100%, a random share per request (split_clients on $request_id).
function writeAbortFlag(c: Ctx, { i, f, abort, ops }: AbortRule): void {
  const { line } = c;
  line(1, '');
  line(1, comment(`fault ${i}: abort ${abort.status} (${abort.percent}%) for ${f.upstream}${f.headers.length ? ` when ${f.headers.map((h) => h.name).join(', ')} match` : ''}`));
  const parts = ['$pp_op'];
  // A route with its own fault replaces the suite's for its requests (routes.ts).
  if (routesWith(c.plan, 'fault').length) parts.push('$pp_suite_fault');
  f.headers.forEach((h, k) => {
    const v = `$pp_f${i}_h${k}`;
    line(1, `map ${headerVar(h.name, inSuite(c.input, places.faultHeader(i, k, 'name')))} ${v} {`);
    line(2, 'default 0;');
    line(2, `${faultMatchKey(c, i, k, h)} 1;`);
    line(1, '}');
    parts.push(v);
  });
  if (abort.percent < 100) {
    line(1, `split_clients "\${request_id}" $pp_f${i}_share {`);
    line(2, `${Number(abort.percent.toFixed(2))}% 1;`);
    line(2, '* 0;');
    line(1, '}');
    parts.push(`$pp_f${i}_share`);
  }
  line(1, `map "${parts.join(':')}" $pp_fault${i} {`);
  line(2, 'default 0;');
  // Operation keys are ours (op0, op1, ...): a plain quoted regex.
  line(2, `"~^(${ops.join('|')})${':1'.repeat(parts.length - 1)}$" 1;`);
  line(1, '}');
}

function writeUpstreams(c: Ctx): void {
  const clash = c.plan.routes.length ? c.plan.upstreams.find((u) => u.name.startsWith('pp_route_')) : undefined;
  if (clash) throw new InputError(c.input.suite.file, `upstreams.${clash.name}`, "an upstream name starting pp_route_ would clash with the routes' own upstream blocks in nginx.conf");
  for (const u of c.plan.upstreams) writeUpstream(c, u.name, u, triesOf(c.plan.retry));
  // A route's own servers, listed for the tries of its own retry (else the suite's).
  for (const r of c.plan.routes) writeUpstream(c, `pp_route_${r.key}`, r.upstream, triesOf(routeRetry(c.plan, r)));
}

function writeUpstream(c: Ctx, name: string, u: Plan['upstreams'][number], tries: number): void {
  const { plan, line } = c;
  line(1, '');
  // nginx never retries an entry it already tried: list the replicas often enough.
  const repeat = Math.max(1, Math.ceil(tries / u.servers.length));
  line(1, comment(`${u.name}: ${u.servers.map((s) => `${s.version}/${s.replica} weight ${s.weight}`).join(', ')}${repeat > 1 ? `; listed ${repeat} times so every retry finds an untried entry` : ''}`));
  line(1, `upstream ${name} {`);
  if (plan.balance === 'random') line(2, 'random;');
  for (let r = 0; r < repeat; r++) {
    for (const s of u.servers) line(2, `server ${s.endpoint.host}:${s.endpoint.port} weight=${s.weight} max_fails=0;`);
  }
  line(1, '}');
}

function writeServer(c: Ctx, aborts: AbortRule[]): void {
  const { input, plan, line } = c;
  line(1, '');
  line(1, 'server {');
  line(2, `listen ${input.listen.host}:${input.listen.port};`);
  line(2, 'proxy_http_version 1.1;');
  line(2, 'proxy_set_header Host $http_host;');
  line(2, 'proxy_set_header Connection "";');
  writeTransform(c);
  for (const d of [...retryDirectives(plan.retry), ...timeoutDirectives(input.suite.policies.timeout, plan.retry)]) line(2, d);
  line(2, '');
  writeMainLocation(c, aborts);
  if (retriedMethodSubset(plan.retry)) writeOnceLocation(c);
  for (const l of c.routeLocs) writeRouteLocation(c, l);
  if (plan.rateLimit) writeRateLimitedLocation(c, plan.rateLimit);
  if (plan.auth?.kind === 'bearer') writeJwtLocation(c);
  line(1, '}');
}

function writeTransform(c: Ctx): void {
  const transform = c.input.suite.policies.transform;
  if (routesWith(c.plan, 'transform').length) {
    // Per route: each header from a map on $pp_route (routes.ts).
    for (const h of transformHeaders(c)) c.line(2, `proxy_set_header ${h.word} ${h.variable};`);
    return;
  }
  if (!transform) return;
  // Request transformation; an empty value makes nginx drop the header.
  for (const [name, value] of Object.entries(transform.setHeaders)) {
    const src = inSuite(c.input, places.setHeader(name));
    c.line(2, `proxy_set_header ${word(headerName(name, src), src)} ${expanded(value, src)};`);
  }
  transform.removeHeaders.forEach((name, i) => {
    const src = inSuite(c.input, places.removeHeader(i));
    c.line(2, `proxy_set_header ${word(headerName(name, src), src)} "";`);
  });
}

function writeMainLocation(c: Ctx, aborts: AbortRule[]): void {
  const { plan, line } = c;
  const retried = retriedMethodSubset(plan.retry);
  line(2, 'location / {');
  // With routes, $pp_to is "" for a request no route takes whose operation a route governs (or that has none).
  line(3, plan.routes.length ? 'if ($pp_to = "") { return 404; }' : 'if ($pp_op = "") { return 404; }');
  if (plan.auth?.kind === 'apiKey') line(3, 'if ($pp_reject) { return 401; }');
  for (const { i, abort } of aborts) line(3, `if ($pp_fault${i}) { return ${abort.status}; }`);
  writeRouteFaultReturns(c, 3);
  if (plan.auth?.kind === 'bearer') {
    line(3, 'set $pp_need_auth $pp_secured;');
    line(3, `set $pp_jwt_config ${inWorkdir(c, 'jwt-keys.json', true)};`);
  }
  for (const l of c.routeLocs) {
    line(3, `if ($pp_jump = ${l.code}) { return ${l.code}; }`);
    line(3, `error_page ${l.code} = ${l.name};`);
  }
  if (retried) {
    const methods = retried.map((m) => httpMethod(m, inSuite(c.input, places.retryMethods)));
    line(3, comment(`Methods outside ${methods.join(',')} are tried once.`));
    line(3, `if ($request_method !~ "^(${methods.join('|')})$") { return 418; }`);
    line(3, 'error_page 418 = @pp_once;');
  }
  if (plan.rateLimit) line(3, 'error_page 429 = @pp_429;');
  writeAccessChecks(c, 3);
  line(3, `proxy_pass ${passTo(c)};`);
  line(2, '}');
}

/** Where location blocks proxy to: the operation's upstream, or with routes the route's ($pp_to). */
function passTo(c: Ctx): string {
  if (anyRewrite(c.plan)) return 'http://$pp_to$pp_uri';
  return c.plan.routes.length ? 'http://$pp_to' : 'http://$pp_upstream';
}

/** A route's own retry and timeout: its own location, with the access checks every proxying location repeats. */
function writeRouteLocation(c: Ctx, l: RouteLocation): void {
  const { line } = c;
  line(2, comment(`route ${l.r.key} (${l.r.route.name}): ${l.once ? 'methods its retry leaves out, tried once' : 'its own retry and timeout'}`));
  line(2, `location ${l.name} {`);
  for (const d of routeLocationDirectives(routeRetry(c.plan, l.r), routeTimeout(c.input.suite.policies, l.r), l.once)) line(3, d);
  if (c.plan.rateLimit) line(3, 'error_page 429 = @pp_429;');
  writeAccessChecks(c, 3);
  line(3, `proxy_pass ${passTo(c)};`);
  line(2, '}');
}

function writeOnceLocation(c: Ctx): void {
  const { line } = c;
  const timeout = c.input.suite.policies.timeout;
  line(2, 'location @pp_once {');
  line(3, 'proxy_next_upstream off;');
  // One try: it gets the whole request timeout, not the per-try one.
  if (timeout) line(3, `proxy_read_timeout ${ms(timeout.requestMs)};`);
  if (c.plan.rateLimit) line(3, 'error_page 429 = @pp_429;');
  writeAccessChecks(c, 3);
  line(3, `proxy_pass ${passTo(c)};`);
  line(2, '}');
}

/** Rate limit and credential checks, repeated in every location that proxies. */
function writeAccessChecks(c: Ctx, indent: number): void {
  const { plan, line } = c;
  const rl = plan.rateLimit;
  // burst=0 is not a value nginx takes ("invalid burst value"): a limit of 1 has no burst at all.
  if (rl) line(indent, `limit_req zone=pp_rl${rl.limit > 1 ? ` burst=${rl.limit - 1}` : ''} nodelay;`);
  if (plan.auth?.kind === 'basic') {
    line(indent, 'auth_basic $pp_realm;');
    line(indent, `auth_basic_user_file ${inWorkdir(c, 'htpasswd', true)};`);
  }
  if (plan.auth?.kind === 'bearer') line(indent, 'auth_request /_proxyproof_jwt;');
}

function writeRateLimitedLocation(c: Ctx, rl: NonNullable<Plan['rateLimit']>): void {
  c.line(2, 'location @pp_429 {');
  c.line(3, `add_header Retry-After ${retryAfterSeconds(rl.windowMs)} always;`);
  c.line(3, 'return 429;');
  c.line(2, '}');
}

function writeJwtLocation(c: Ctx): void {
  c.line(2, 'location = /_proxyproof_jwt {');
  c.line(3, 'internal;');
  c.line(3, 'js_content jwt.verify;');
  c.line(2, '}');
}

export function nginxFromUserConfig(input: RenderInput, configFile: string, bin: string): RenderedConfig & { sourceFile: string } {
  const { content, mainFile } = readUserConfig(input, configFile, 'nginx');
  const uncommented = content.replace(/#.*$/gm, '');
  const globals: string[] = [];
  if (!/^\s*daemon\s/m.test(uncommented)) globals.push('daemon off;');
  if (!/^\s*pid\s/m.test(uncommented)) globals.push(`pid ${path.join(input.workdir, 'nginx.pid')};`);
  // The workdir is private (0700: it holds the consumers' keys). Started by root, nginx's workers
  // would run as nobody and could not enter it for their temp files; they run as root, as in
  // rendered configs, unless the config names its own user.
  if (process.getuid?.() === 0 && !/^\s*user\s/m.test(uncommented)) globals.push('user root;');
  return {
    target: 'nginx',
    mainFile,
    files: { [mainFile]: content },
    ...commands(bin, input.workdir, mainFile, globals.length ? globals.join(' ') : undefined),
    sourceFile: configFile,
  };
}
