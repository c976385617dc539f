// nginx target: renders nginx.conf from the suite's policies, or takes the
// user's config with placeholders.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readUserConfig } from '../shared/placeholders.ts';
import { NGINX_RETRY_STATUSES } from './features.ts';
import { makePlan, retryAfterSeconds, type Plan } from '../shared/plan.ts';
import { ALL_METHODS } from '../../model/spec.ts';
import type { RenderedConfig, RenderInput } from '../../model/target.ts';
import { escapeRegExp } from '../../util/regex.ts';

const MAIN_FILE = 'nginx.conf';
const JS_MODULE = '/usr/lib/nginx/modules/ngx_http_js_module.so';
const JWT_JS = fileURLToPath(new URL('./jwt.js', import.meta.url));
/** nginx weights have no small cap, but keep them readable. */
const WEIGHT_CAP = 1000;

/** A quoted nginx string: backslashes and double quotes escaped. */
function q(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A quoted regex for a map key; `$` must stay a regex anchor, not a variable. */
function qre(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function headerVar(name: string): string {
  return `$http_${name.toLowerCase().replace(/-/g, '_')}`;
}

function credentialVar(plan: Plan): string {
  switch (plan.auth?.kind) {
    case 'apiKey':
      if (plan.auth.in === 'query') return `$arg_${plan.auth.name}`;
      if (plan.auth.in === 'cookie') return `$cookie_${plan.auth.name}`;
      return headerVar(plan.auth.name);
    case 'basic':
      return '$remote_user';
    default:
      return '$http_authorization';
  }
}

/** Rate "limit per window" as nginx writes it (r/s or r/m, integers only). */
export function nginxRate(limit: number, windowMs: number): string {
  const perSecond = (limit * 1000) / windowMs;
  if (Number.isInteger(perSecond) && perSecond >= 1) return `${perSecond}r/s`;
  return `${Math.max(1, Math.round((limit * 60_000) / windowMs))}r/m`;
}

function ms(n: number): string {
  return `${Math.max(1, Math.round(n))}ms`;
}

function commands(bin: string, workdir: string, mainFile: string, extraGlobal?: string) {
  const base = ['-p', `${workdir}/`, '-c', path.join(workdir, mainFile), '-e', path.join(workdir, 'error.log')];
  const g = extraGlobal ? ['-g', extraGlobal] : [];
  return {
    command: { bin, args: [...base, ...g] },
    checkCommand: { bin, args: ['-t', '-q', ...base, ...g] },
  };
}

export function renderNginx(input: RenderInput, bin: string): RenderedConfig {
  const plan = makePlan(input, WEIGHT_CAP, 'nginx');
  const w = input.workdir;
  const files: Record<string, string> = {};
  const out: string[] = [];
  const line = (indent: number, text: string) => out.push(`${'    '.repeat(indent)}${text}`);

  line(0, `# Rendered by proxyproof from suite "${input.suite.name}" (${input.suite.file}).`);
  line(0, '# Edit the suite, not this file.');
  if (plan.auth?.kind === 'bearer') line(0, `load_module ${JS_MODULE};`);
  line(0, 'worker_processes 1;');
  if (process.getuid?.() === 0) {
    // Started by root, workers would run as nobody: they could not read the
    // htpasswd/JWT files nor write temp files when a parent of the workdir is private.
    line(0, 'user root;');
  }
  line(0, 'daemon off;');
  line(0, `pid ${path.join(w, 'nginx.pid')};`);
  line(0, `error_log ${path.join(w, 'error.log')} info;`);
  line(0, 'events { worker_connections 1024; }');
  line(0, 'http {');
  line(1, `access_log ${path.join(w, 'access.log')};`);
  for (const t of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) line(1, `${t}_temp_path ${path.join(w, `${t}_temp`)};`);
  line(1, '');
  line(1, '# Which operation of the spec a request is (method + path).');
  line(1, 'map "$request_method:$uri" $pp_op {');
  line(2, 'default "";');
  for (const o of plan.ops) {
    const re = o.op.pathRegex.replace(/^\^/, '');
    line(2, `${qre(`~^${o.op.method}:${re}`)} ${o.key}; # ${o.op.id}`);
  }
  line(1, '}');
  line(1, 'map $pp_op $pp_upstream {');
  line(2, 'default "";');
  for (const o of plan.ops) line(2, `${o.key} ${o.upstream};`);
  line(1, '}');

  // auth
  if (plan.auth) {
    line(1, '');
    line(1, `# Operations that need a credential (${plan.auth.schemeName}, ${plan.auth.kind}).`);
    line(1, 'map $pp_op $pp_secured {');
    line(2, 'default 0;');
    for (const o of plan.ops) if (o.secured) line(2, `${o.key} 1;`);
    line(1, '}');
    if (plan.auth.kind === 'apiKey') {
      line(1, `map ${credentialVar(plan)} $pp_credential_ok {`);
      line(2, 'default 0;');
      // Plain map keys compare case-insensitively in nginx; a regex (~) is case-sensitive.
      for (const k of plan.auth.validKeys) line(2, `${q(`~^${escapeRegExp(k)}$`)} 1;`);
      line(1, '}');
      line(1, 'map "$pp_secured:$pp_credential_ok" $pp_reject {');
      line(2, 'default 0;');
      line(2, '"1:0" 1;');
      line(1, '}');
    } else if (plan.auth.kind === 'basic') {
      files['htpasswd'] = plan.auth.users
        .map((u) => `${u.user}:{SHA}${createHash('sha1').update(u.password).digest('base64')}`)
        .join('\n') + '\n';
      line(1, 'map $pp_secured $pp_realm {');
      line(2, 'default off;');
      line(2, '1 proxyproof;');
      line(1, '}');
    } else {
      files['jwt.js'] = readFileSync(JWT_JS, 'utf8');
      files['jwt-keys.json'] = JSON.stringify(
        {
          alg: plan.auth.jwt.alg,
          secret: plan.auth.jwt.secret,
          issuer: plan.auth.jwt.issuer,
          keys: plan.auth.jwt.keys.map((k) => ({
            kid: k.kid,
            spki: k.pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''),
          })),
        },
        null,
        2,
      );
      line(1, `js_path ${w}/;`);
      line(1, 'js_import jwt from jwt.js;');
    }
  }

  // rate limit
  const rl = plan.rateLimit;
  if (rl) {
    line(1, '');
    line(1, `# Rate limit: ${rl.limit} per ${rl.windowMs} ms by ${rl.by}; an empty key is not limited.`);
    line(1, 'map $pp_op $pp_rl_scope {');
    line(2, 'default 0;');
    for (const o of plan.ops) if (o.rateLimited) line(2, `${o.key} 1;`);
    line(1, '}');
    if (rl.by === 'consumer') {
      line(1, `map "$pp_rl_scope:${credentialVar(plan)}" $pp_rl_key {`);
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

  // Faults the proxy answers itself (fault.abort): one flag per rule, from the
  // operation, each header matcher (its own map: nginx maps take one source)
  // and, below 100%, a random share per request (split_clients on $request_id).
  const aborts = (input.suite.policies.fault?.rules ?? []).flatMap((f, i) => {
    const ops = plan.ops.filter((o) => o.upstream === f.upstream).map((o) => o.key);
    return f.abort && f.abort.percent > 0 && ops.length ? [{ i, f, abort: f.abort, ops }] : [];
  });
  for (const { i, f, abort, ops } of aborts) {
    line(1, '');
    line(1, `# fault ${i}: abort ${abort.status} (${abort.percent}%) for ${f.upstream}${f.headers.length ? ` when ${f.headers.map((h) => h.name).join(', ')} match` : ''}`);
    const parts = ['$pp_op'];
    f.headers.forEach((h, k) => {
      const v = `$pp_f${i}_h${k}`;
      const pattern = h.exact !== undefined ? `^${escapeRegExp(h.exact)}$` : h.prefix !== undefined ? `^${escapeRegExp(h.prefix)}` : `^(?:${h.regex})$`;
      line(1, `map ${headerVar(h.name)} ${v} {`);
      line(2, 'default 0;');
      line(2, `${qre(`~${pattern}`)} 1;`);
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
    line(2, `${qre(`~^(${ops.join('|')})${':1'.repeat(parts.length - 1)}$`)} 1;`);
    line(1, '}');
  }

  // upstreams
  const retry = plan.retry;
  const tries = retry ? retry.attempts + 1 : 1;
  for (const u of plan.upstreams) {
    line(1, '');
    // nginx never retries an entry it already tried: list the replicas often enough.
    const repeat = Math.max(1, Math.ceil(tries / u.servers.length));
    line(1, `# ${u.name}: ${u.servers.map((s) => `${s.version}/${s.replica} weight ${s.weight}`).join(', ')}${repeat > 1 ? `; listed ${repeat} times so every retry finds an untried entry` : ''}`);
    line(1, `upstream ${u.name} {`);
    if (plan.balance === 'random') line(2, 'random;');
    for (let r = 0; r < repeat; r++) {
      for (const s of u.servers) line(2, `server ${s.endpoint.host}:${s.endpoint.port} weight=${s.weight} max_fails=0;`);
    }
    line(1, '}');
  }

  // retry directives
  const retryDirectives: string[] = [];
  let methodsRegex: string | undefined;
  if (retry) {
    const conds = ['error'];
    if (retry.perTryTimeoutMs !== undefined) conds.push('timeout');
    for (const s of retry.on) if (NGINX_RETRY_STATUSES.has(s)) conds.push(`http_${s}`);
    if (retry.methods.some((m) => m === 'POST' || m === 'PATCH')) conds.push('non_idempotent');
    retryDirectives.push(`proxy_next_upstream ${conds.join(' ')};`);
    retryDirectives.push(`proxy_next_upstream_tries ${tries};`);
    if (retry.perTryTimeoutMs !== undefined) {
      retryDirectives.push(`proxy_connect_timeout ${ms(retry.perTryTimeoutMs)};`);
      retryDirectives.push(`proxy_read_timeout ${ms(retry.perTryTimeoutMs)};`);
      retryDirectives.push(`proxy_send_timeout ${ms(retry.perTryTimeoutMs)};`);
    }
    if (!ALL_METHODS.every((m) => retry.methods.includes(m))) methodsRegex = `^(${retry.methods.join('|')})$`;
  } else {
    retryDirectives.push('proxy_next_upstream off;');
  }
  // Request timeout. proxy_read_timeout is per try (and between reads), so with
  // retries proxy_next_upstream_timeout bounds the whole request; a per-try
  // timeout, when set, stays the read timeout of each retried try.
  const timeout = input.suite.policies.timeout;
  if (timeout) {
    if (retry?.perTryTimeoutMs === undefined) {
      retryDirectives.push(`proxy_read_timeout ${ms(timeout.requestMs)};`);
      retryDirectives.push(`proxy_send_timeout ${ms(timeout.requestMs)};`);
    }
    if (retry) retryDirectives.push(`proxy_next_upstream_timeout ${ms(timeout.requestMs)};`);
  }

  const access = (indent: number) => {
    if (rl) line(indent, `limit_req zone=pp_rl burst=${Math.max(0, rl.limit - 1)} nodelay;`);
    if (plan.auth?.kind === 'basic') {
      line(indent, 'auth_basic $pp_realm;');
      line(indent, `auth_basic_user_file ${path.join(w, 'htpasswd')};`);
    }
    if (plan.auth?.kind === 'bearer') line(indent, 'auth_request /_proxyproof_jwt;');
  };

  line(1, '');
  line(1, 'server {');
  line(2, `listen ${input.listen.host}:${input.listen.port};`);
  line(2, 'proxy_http_version 1.1;');
  line(2, 'proxy_set_header Host $http_host;');
  line(2, 'proxy_set_header Connection "";');
  const transform = input.suite.policies.transform;
  if (transform) {
    // Request transformation; an empty value makes nginx drop the header.
    for (const [name, value] of Object.entries(transform.setHeaders)) line(2, `proxy_set_header ${name} "${value.replace(/["\\]/g, '\\$&')}";`);
    for (const name of transform.removeHeaders) line(2, `proxy_set_header ${name} "";`);
  }
  for (const d of retryDirectives) line(2, d);
  line(2, '');
  line(2, 'location / {');
  line(3, 'if ($pp_op = "") { return 404; }');
  if (plan.auth?.kind === 'apiKey') line(3, 'if ($pp_reject) { return 401; }');
  for (const { i, abort } of aborts) line(3, `if ($pp_fault${i}) { return ${abort.status}; }`);
  if (plan.auth?.kind === 'bearer') {
    line(3, 'set $pp_need_auth $pp_secured;');
    line(3, `set $pp_jwt_config ${path.join(w, 'jwt-keys.json')};`);
  }
  if (methodsRegex) {
    line(3, `# Methods outside ${retry!.methods.join(',')} are tried once.`);
    line(3, `if ($request_method !~ ${qre(methodsRegex)}) { return 418; }`);
    line(3, 'error_page 418 = @pp_once;');
  }
  if (rl) line(3, 'error_page 429 = @pp_429;');
  access(3);
  line(3, 'proxy_pass http://$pp_upstream;');
  line(2, '}');
  if (methodsRegex) {
    line(2, 'location @pp_once {');
    line(3, 'proxy_next_upstream off;');
    // One try: it gets the whole request timeout, not the per-try one.
    if (timeout) line(3, `proxy_read_timeout ${ms(timeout.requestMs)};`);
    if (rl) line(3, 'error_page 429 = @pp_429;');
    access(3);
    line(3, 'proxy_pass http://$pp_upstream;');
    line(2, '}');
  }
  if (rl) {
    line(2, 'location @pp_429 {');
    line(3, `add_header Retry-After ${retryAfterSeconds(rl.windowMs)} always;`);
    line(3, 'return 429;');
    line(2, '}');
  }
  if (plan.auth?.kind === 'bearer') {
    line(2, 'location = /_proxyproof_jwt {');
    line(3, 'internal;');
    line(3, 'js_content jwt.verify;');
    line(2, '}');
  }
  line(1, '}');
  line(0, '}');
  files[MAIN_FILE] = out.join('\n') + '\n';
  return { target: 'nginx', mainFile: MAIN_FILE, files, ...commands(bin, w, MAIN_FILE) };
}

export function nginxFromUserConfig(input: RenderInput, configFile: string, bin: string): RenderedConfig & { sourceFile: string } {
  const { content, mainFile } = readUserConfig(input, configFile, 'nginx');
  const uncommented = content.replace(/#.*$/gm, '');
  const globals: string[] = [];
  if (!/^\s*daemon\s/m.test(uncommented)) globals.push('daemon off;');
  if (!/^\s*pid\s/m.test(uncommented)) globals.push(`pid ${path.join(input.workdir, 'nginx.pid')};`);
  return {
    target: 'nginx',
    mainFile,
    files: { [mainFile]: content },
    ...commands(bin, input.workdir, mainFile, globals.length ? globals.join(' ') : undefined),
    sourceFile: configFile,
  };
}
