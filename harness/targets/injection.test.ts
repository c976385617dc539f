// Config injection, property-based: hostile text (newlines, braces, ;, #,
// quotes, backslashes, $, %, Unicode line separators, NUL) in every value a
// suite or spec puts into a rendered nginx or HAProxy config. For each value
// either the render is an InputError naming that setting, or the config
// passes the real `nginx -t` / `haproxy -c` AND has the structure of the render
// with a benign value: the same statements (nginx) or lines (HAProxy), each
// with the same directive and number of words. A value that ends a comment,
// closes a quote or adds a line changes that structure.
//
// A field fills one to five places of a render at once (five operationIds,
// two consumers' keys), so one config check covers several values; an
// InputError must name one of those places, and that value alone must be
// refused the same way. Deterministic (fixed SEED) and bounded (RUNS per field
// and target): about 400 config checks, about 20 s on two cores.

import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { it } from '../testing/fixtures.ts';
import { InputError } from '../model/errors.ts';
import type { RenderedConfig, RenderInput } from '../model/target.ts';
import { exampleInput } from '../testing/examples.ts';
import { haproxyTarget } from './haproxy/index.ts';
import { nginxTarget } from './nginx/index.ts';
import { placeKey } from './shared/values.ts';
import type { TargetDriver } from './target.ts';

const SEED = 20_251_202;
/** Runs per field and target; each run carries one to five values (one per slot), so 30 to 150 values per field. */
const RUNS = 30;
const LISTEN = { host: '127.0.0.1', port: 18_124 };
const run = promisify(execFile);

// ---- hostile text ----------------------------------------------------------

const CONTROL = ['\n', '\r', '\t', '\0', '\x0b', '\x1b', '\x7f'];
const SYNTAX = ['}', '{', ';', '#', '"', "'", '\\', '$', '%', ' ', ':', ',', '(', ')', '[', ']', '|', '-', '`', '=', '@', '\u2028', '\u2029', '\u0085', 'é', '€', '\ufeff'];
const PLAIN = [...'abcXYZ019_.'];
/** Whole attacks seen in the review and their relatives. */
const PAYLOADS = [
  'x\nhttp-request return status 200 content-type text/plain string pwned',
  'x;\n    server { listen 127.0.0.1:1; }\n#',
  'x" 1; default 1; "',
  'x" if TRUE #',
  '} server { listen 127.0.0.1:2; } #',
  '-f /etc/passwd',
  '-i',
  '}',
  '$remote_addr',
  '${HOME}',
  '%[src]',
  '$(os.getenv("HOME"))',
  'a\u2028b',
  'a\\',
  '\\n',
  "it's",
  '{{listen}}',
];

const char = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...SYNTAX) },
  { weight: 1, arbitrary: fc.constantFrom(...CONTROL) },
  { weight: 4, arbitrary: fc.constantFrom(...PLAIN) },
);
const hostile = fc.oneof(
  { weight: 5, arbitrary: fc.array(char, { minLength: 1, maxLength: 16 }).map((a) => a.join('')) },
  { weight: 1, arbitrary: fc.constantFrom(...PAYLOADS) },
);
/** Valid HTTP tokens, several of them special to nginx or HAProxy ($, #, ', `). */
const token = fc.array(fc.constantFrom(...'aZ9!#$%&\'*+.^_`|~-'), { minLength: 1, maxLength: 10 }).map((a) => a.join(''));
const regexish = fc.array(fc.constantFrom(...'ab.*+?|()[]^$\\{}1,-#"\' ;dw'), { minLength: 1, maxLength: 12 }).map((a) => a.join(''));
const identifierish = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,8}$/);

// ---- the fields --------------------------------------------------------------

type Variant = 'apiKey' | 'basic' | 'jwt';

/**
 * One kind of value, in `benign.length` places of one render (five
 * operationIds, two consumers' keys, ...), so one config check covers them
 * all; each place is a slot of the tuple fast-check draws.
 */
interface Field {
  name: string;
  variant: Variant;
  benign: string[];
  values: fc.Arbitrary<string>;
  /** Slots must differ (header names: a repeated one would merge). */
  distinct?: boolean;
  set(input: RenderInput, values: string[]): void;
  /** The setting an InputError about slot `i` names; null: the value only reaches comments, so it must render. */
  place(i: number, value: string): string | null;
}

function baseInput(wd: string, variant: Variant): RenderInput {
  const input = exampleInput(wd, LISTEN);
  const p = input.suite.policies;
  p.transform = { setHeaders: { 'X-Gateway': 'proxyproof' }, removeHeaders: ['X-Internal'] };
  p.fault = {
    rules: [{ upstream: 'petstore', headers: [{ name: 'X-Fault', exact: 'yes' }, { name: 'X-Fault-Prefix', prefix: 'ab' }, { name: 'end-user', regex: 'ja(son|ne)' }], abort: { status: 503, percent: 50 } }],
  };
  if (variant === 'basic') {
    input.spec.securitySchemes = { Basic: { kind: 'basic' } };
    input.spec.operations = input.spec.operations.map((o) => (o.security.length ? { ...o, security: [{ Basic: [] }] } : o));
    input.suite.consumers = ['alice', 'bob'].map((name) => ({ name, valid: true, credential: { kind: 'basic', user: name, password: 'secret' } }));
    p.auth = { scheme: 'Basic', reject: [401] };
  } else if (variant === 'jwt') {
    input.spec.securitySchemes = { Bearer: { kind: 'bearer', format: 'JWT' } };
    input.spec.operations = input.spec.operations.map((o) => (o.security.length ? { ...o, security: [{ Bearer: [] }] } : o));
    input.suite.consumers = [{ name: 'alice', valid: true, credential: { kind: 'bearer', token: 'x' } }];
    p.auth = { scheme: 'Bearer', reject: [401], jwt: { alg: 'HS256', secret: 's3cret', issuer: 'https://issuer.example' } };
  }
  return input;
}

const CONSUMERS = ['alice', 'bob'];
const headers = (input: RenderInput) => input.suite.policies.fault!.rules[0].headers;

function setOperationIds(input: RenderInput, ids: string[]): void {
  ids.forEach((id, i) => (input.spec.operations[i].id = id));
  // Scoped by operationId, the rate limit would follow the renames: every operation keeps the same structure.
  input.suite.policies.rateLimit!.operations = undefined;
}

function setBasic(input: RenderInput, field: 'user' | 'password', values: string[]): void {
  values.forEach((v, i) => {
    const credential = { kind: 'basic' as const, user: CONSUMERS[i], password: 'secret', [field]: v };
    input.suite.consumers[i].credential = credential;
  });
}

function renameUpstream(input: RenderInput, [name]: string[]): void {
  const u = input.suite.upstreams[0];
  input.upstreams = { [name]: input.upstreams[u.name] };
  u.name = name;
  input.suite.policies.canary!.upstream = name;
  input.suite.policies.fault!.rules[0].upstream = name;
}

function renameVersions(input: RenderInput, versions: string[]): void {
  const u = input.suite.upstreams[0];
  const replicas = input.upstreams[u.name];
  input.upstreams[u.name] = { [versions[0]]: replicas.v1, [versions[1]]: replicas.v2 };
  u.versions = versions;
  input.suite.policies.canary!.weights = { [versions[0]]: 90, [versions[1]]: 10 };
}

const FIELDS: Field[] = [
  { name: 'operationId', variant: 'apiKey', benign: ['listPets', 'createPet', 'showPetById', 'deletePet', 'health'], values: hostile, set: setOperationIds, place: () => null },
  {
    name: 'suite name and file',
    variant: 'apiKey',
    benign: ['petstore', 'petstore'],
    values: hostile,
    set: (i, [name, file]) => Object.assign(i.suite, { name, file: `/suites/${file}.suite.yaml` }),
    place: () => null,
  },
  {
    name: 'API key',
    variant: 'apiKey',
    benign: ['alice-key', 'bob-key'],
    values: hostile,
    set: (i, keys) => keys.forEach((key, k) => (i.suite.consumers[k].credential = { kind: 'apiKey', key })),
    place: (k) => `consumers.${CONSUMERS[k]}.apiKey`,
  },
  { name: 'JWT issuer', variant: 'jwt', benign: ['issuer'], values: hostile, set: (i, [v]) => (i.suite.policies.auth!.jwt!.issuer = v), place: () => 'policies.auth.jwt.issuer' },
  { name: 'JWT secret', variant: 'jwt', benign: ['secret'], values: hostile, set: (i, [v]) => (i.suite.policies.auth!.jwt!.secret = v), place: () => 'policies.auth.jwt.secret' },
  { name: 'basic user', variant: 'basic', benign: ['alice', 'bob'], values: hostile, set: (i, v) => setBasic(i, 'user', v), place: (k) => `consumers.${CONSUMERS[k]}.basic.user` },
  { name: 'basic password', variant: 'basic', benign: ['secret', 'secret'], values: hostile, set: (i, v) => setBasic(i, 'password', v), place: (k) => `consumers.${CONSUMERS[k]}.basic.password` },
  {
    name: 'transform header name',
    variant: 'apiKey',
    benign: ['X-A', 'X-B', 'X-C'],
    values: fc.oneof(hostile, token),
    distinct: true,
    set: (i, names) => (i.suite.policies.transform!.setHeaders = Object.fromEntries(names.map((n) => [n, 'proxyproof']))),
    place: (_, v) => `policies.transform.request.setHeaders.${placeKey(v)}`,
  },
  {
    name: 'transform header value',
    variant: 'apiKey',
    benign: ['proxyproof', 'proxyproof', 'proxyproof'],
    values: hostile,
    set: (i, values) => (i.suite.policies.transform!.setHeaders = Object.fromEntries(values.map((v, k) => [`X-${k}`, v]))),
    place: (k) => `policies.transform.request.setHeaders.X-${k}`,
  },
  {
    name: 'transform removed header',
    variant: 'apiKey',
    benign: ['X-A', 'X-B', 'X-C'],
    values: fc.oneof(hostile, token),
    distinct: true,
    set: (i, names) => (i.suite.policies.transform!.removeHeaders = names),
    place: (k) => `policies.transform.request.removeHeaders[${k}]`,
  },
  {
    name: 'fault header name',
    variant: 'apiKey',
    benign: ['X-Fault', 'X-Fault-Prefix', 'end-user'],
    values: fc.oneof(hostile, token),
    set: (i, names) => names.forEach((n, k) => (headers(i)[k].name = n)),
    place: (k) => `policies.fault.rules[0].headers[${k}].name`,
  },
  {
    name: 'fault header exact and prefix',
    variant: 'apiKey',
    benign: ['yes', 'ab'],
    values: hostile,
    set: (i, [exact, prefix]) => {
      headers(i)[0].exact = exact;
      headers(i)[1].prefix = prefix;
    },
    place: (k) => `policies.fault.rules[0].headers[${k}].${k === 0 ? 'exact' : 'prefix'}`,
  },
  { name: 'fault header regex', variant: 'apiKey', benign: ['ja(son|ne)'], values: fc.oneof(hostile, regexish), set: (i, [v]) => (headers(i)[2].regex = v), place: () => 'policies.fault.rules[0].headers[2].regex' },
  { name: 'upstream name', variant: 'apiKey', benign: ['petstore'], values: fc.oneof(hostile, identifierish), set: renameUpstream, place: (_, v) => `upstreams.${placeKey(v)}` },
  {
    name: 'version names',
    variant: 'apiKey',
    benign: ['v1', 'v2'],
    values: fc.oneof(hostile, identifierish),
    distinct: true,
    set: renameVersions,
    place: () => 'upstreams.petstore.versions',
  },
];

// ---- structure ---------------------------------------------------------------

/** nginx.conf as statements (first token/argument count and ; or {), and } — read as ngx_conf_read_token does. */
function nginxShape(text: string): string[] {
  // The $pp_dollar declaration comes with a $ in a value: part of writing the value, not structure.
  const src = text.replace(/^\s*geo \$pp_dollar \{ default "\$"; \}\n/m, '');
  const out: string[] = [];
  let words: string[] = [];
  for (let i = 0; i < src.length; ) {
    const ch = src[i];
    if (/\s/.test(ch)) i++;
    else if (ch === '#') while (i < src.length && src[i] !== '\n') i++;
    else if (ch === ';' || ch === '{' || ch === '}') {
      out.push(ch === '}' ? '}' : `${words[0]}/${words.length - 1}${ch}`);
      words = [];
      i++;
    } else {
      // A quoted token is a value (map keys too): that it is there counts, not what it says.
      let tok = '<quoted>';
      if (ch === '"' || ch === "'") {
        for (i++; i < src.length && src[i] !== ch; i++) if (src[i] === '\\') i++;
        i++;
      } else {
        for (tok = ''; i < src.length && !/[\s;{}]/.test(src[i]); i++) tok += src[i];
      }
      words.push(tok);
    }
  }
  return out;
}

/** One haproxy.cfg line as its words, read as HAProxy's line parser does (quotes, escapes, comments; an empty word ends the line). */
function haproxyWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote === "'") {
      if (ch === "'") quote = '';
      else cur += ch;
    } else if (ch === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (quote === '"') {
      if (ch === '"') quote = '';
      else cur += ch;
    } else if (ch === '#') break;
    else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === ' ' || ch === '\t') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  const empty = words.indexOf('');
  return empty >= 0 ? words.slice(0, empty) : words;
}

/** haproxy.cfg as its non-comment lines, each its keyword and word count (a `--` before patterns is part of writing them). */
function haproxyShape(text: string): string[] {
  return text
    .split('\n')
    .map(haproxyWords)
    .filter((w) => w.length > 0)
    .map((w) => `${w[0]}/${w.filter((x) => x !== '--').length}`);
}

// ---- the property ------------------------------------------------------------

/** Write the config into `wd` and run its check (nginx -t, haproxy -c); asynchronous, so the fields' checks overlap. */
async function configCheck(config: RenderedConfig, wd: string): Promise<{ ok: boolean; output: string }> {
  for (const [rel, content] of Object.entries(config.files)) {
    mkdirSync(path.dirname(path.join(wd, rel)), { recursive: true });
    writeFileSync(path.join(wd, rel), content);
  }
  try {
    const r = await run(config.checkCommand.bin, config.checkCommand.args, { cwd: wd, encoding: 'utf8' });
    return { ok: true, output: `${r.stdout}${r.stderr}` };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? e.message}` };
  }
}

const targets: Array<{ driver: TargetDriver; shape: (text: string) => string[] }> = [
  { driver: nginxTarget, shape: nginxShape },
  { driver: haproxyTarget, shape: haproxyShape },
];

/** The values of a run: one per slot, distinct where the field needs it. */
function tupleOf(field: Field): fc.Arbitrary<string[]> {
  const n = field.benign.length;
  return field.distinct ? fc.uniqueArray(field.values, { minLength: n, maxLength: n }) : fc.array(field.values, { minLength: n, maxLength: n });
}

describe.concurrent.each(targets)('$driver.name: hostile values', ({ driver, shape }) => {
  it.for(FIELDS.map((f) => [f.name, f] as const))('%s: an InputError naming it, or a valid config of the same structure', async ([, field], { tmp: wd }) => {
    const render = (values: string[]) => {
      const input = baseInput(wd, field.variant);
      field.set(input, values);
      return driver.render(input);
    };
    /** The InputError of rendering with these values, or undefined when it renders. */
    const errorOf = (values: string[]) => {
      try {
        render(values);
        return undefined;
      } catch (err) {
        if (err instanceof InputError) return err;
        throw err;
      }
    };
    const benign = render(field.benign);
    const want = shape(benign.files[benign.mainFile]);
    await fc.assert(
      fc.asyncProperty(tupleOf(field), async (values) => {
        const err = errorOf(values);
        if (err) {
          // It names a slot's setting, and that slot's value alone (the others benign) is refused the same way.
          expect(err.file).toBe(baseInput(wd, field.variant).suite.file);
          const named = values.flatMap((v, i) => (field.place(i, v) === err.place ? [i] : []));
          expect(named, `${err.message} names none of the slots`).not.toEqual([]);
          const alone = (slot: number) => field.benign.map((b, i) => (i === slot ? values[slot] : b));
          expect(named.map((slot) => errorOf(alone(slot))?.message)).toContain(err.message);
          return;
        }
        const config = render(values);
        expect(shape(config.files[config.mainFile])).toEqual(want);
        const res = await configCheck(config, wd);
        expect(res.output).not.toMatch(/\[(ALERT|WARNING|emerg|warn)\]/);
        expect(res.ok, res.output).toBe(true);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
