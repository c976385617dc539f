// The security review's findings against `proxyproof validate` (loadSpec),
// one fixture each under fixtures/specs-hostile/: every attack ends in an
// InputError (exit 2) naming the file and the place, never reads outside the
// spec's folder, never touches the network, quotes no content it should not,
// and finishes in under 2 s.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyFile, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSpec, type LoadSpecOptions } from './load-spec.ts';
import { createSpecValidator } from './validate.ts';
import { InputError } from '../model/errors.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const HOSTILE = path.join(repoRoot, 'fixtures/specs-hostile');
const fx = (name: string) => path.join(HOSTILE, name);
/** Where each $ref fixture keeps its $ref. */
const PTR = '#/paths/~1pets/get/responses/200/content/application~1json/schema/$ref';
/** Text some fixtures' files hold that no message may show. */
const SECRET = 'SECRET-VALUE-e81f0c2a';

let tmp: string;
let hostileReal: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'proxyproof-hostile-'));
  hostileReal = await realpath(HOSTILE);
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** loadSpec must refuse `file` with one line, fast, showing none of the secrets. */
async function refused(file: string, options?: LoadSpecOptions): Promise<InputError> {
  const started = performance.now();
  let caught: unknown;
  try {
    await loadSpec(file, options);
  } catch (err) {
    caught = err;
  }
  const ms = performance.now() - started;
  expect(caught, `${file} loaded`).toBeInstanceOf(InputError);
  const msg = (caught as Error).message;
  expect(msg).not.toContain('\n');
  expect(msg).not.toContain(SECRET);
  expect(msg).not.toContain('root:x:0:0');
  expect(ms, `${file} took ${Math.round(ms)} ms`).toBeLessThan(2000);
  return caught as InputError;
}

/** The CLI on a spec: `mock` loads it first and exits 2 on bad input. */
function cliMock(spec: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin/proxyproof.js'), 'mock', spec, '--port', '0'], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, ...env },
  });
  return { status: r.status, lines: r.stderr.split('\n').filter(Boolean), stdout: r.stdout };
}

describe('finding 1: a $ref outside the spec folder is refused by path, its content never read or shown', () => {
  it('/proc/self/environ: the environment (with a marker variable) does not appear, through the CLI too', async () => {
    const marker = `pp-marker-${process.pid}-${Date.now()}`;
    const r = cliMock(fx('ref-environ.yaml'), { PROXYPROOF_HOSTILE_MARKER: marker });
    expect(r.status, r.lines.join('\n')).toBe(2);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(
      new RegExp(`^${escape(fx('ref-environ.yaml'))}:${escape(PTR)}: \\$ref to /proc/self/environ \\(really /proc/\\d+/environ\\) is outside the folders a spec may read \\(${escape(hostileReal)}\\)$`),
    );
    expect(r.lines[0] + r.stdout).not.toContain(marker);

    const err = await refused(fx('ref-environ.yaml'));
    expect(err.file).toBe(fx('ref-environ.yaml'));
    expect(err.place).toBe(PTR);
    // No value of this process's environment either, beyond the paths the message names.
    const named = `${fx('ref-environ.yaml')} ${hostileReal}`;
    for (const v of Object.values(process.env)) if (v && v.length >= 8 && !named.includes(v)) expect(err.message).not.toContain(v);
  });

  it('/etc/passwd: refused, no line of it shown (CLI and loadSpec)', async () => {
    const r = cliMock(fx('ref-passwd.yaml'));
    expect(r.status).toBe(2);
    expect(r.lines).toEqual([`${fx('ref-passwd.yaml')}:${PTR}: $ref to /etc/passwd is outside the folders a spec may read (${hostileReal})`]);
    const err = await refused(fx('ref-passwd.yaml'));
    expect(err.detail).toBe(`$ref to /etc/passwd is outside the folders a spec may read (${hostileReal})`);
  });

  it('a relative $ref climbing out, and a symlink leading out, are refused on the real path', async () => {
    const parent = await refused(fx('ref-parent.yaml'));
    expect(parent.message).toBe(`${fx('ref-parent.yaml')}:${PTR}: $ref to ${path.join(repoRoot, 'package.json')} is outside the folders a spec may read (${hostileReal})`);

    // The fixture beside a symlink `escape -> /etc`: lexically inside its folder, really outside.
    const spec = path.join(tmp, 'ref-symlink.yaml');
    await copyFile(fx('ref-symlink.yaml'), spec);
    await symlink('/etc', path.join(tmp, 'escape'));
    const err = await refused(spec);
    expect(err.place).toBe(PTR);
    expect(err.detail).toBe(`$ref to ${path.join(tmp, 'escape/passwd')} (really /etc/passwd) is outside the folders a spec may read (${await realpath(tmp)})`);
  });

  it('files inside the folder: a pointer into a string, a broken .json, a text file; none is quoted', async () => {
    expect((await refused(fx('ref-into-string.yaml'))).message).toBe(
      `${fx('ref-into-string.yaml')}:${PTR}: $ref pointer goes into a value that is not a mapping or list at token 'x'`,
    );
    expect((await refused(fx('ref-broken-json.yaml'))).message).toBe(`${fx('parts/broken.json')}: JSON syntax error: Unexpected token 'r'`);
    expect((await refused(fx('ref-dotenv.yaml'))).message).toBe(`${fx('parts/dotenv.txt')}: a $ref'd file must hold a YAML or JSON mapping or list`);
  });
});

describe('finding 2: no network without allowRemoteRefs, never a loopback or unspecified address with it', () => {
  const servers: { server: Server; host: string; port: number; connections: number; requests: number }[] = [];
  beforeAll(async () => {
    for (const host of ['127.0.0.1', '0.0.0.0']) {
      const entry = { server: createServer(), host, port: 0, connections: 0, requests: 0 };
      entry.server.on('connection', () => entry.connections++);
      entry.server.on('request', (_req, res) => {
        entry.requests++;
        res.end('Pet: {type: object}\n');
      });
      await new Promise<void>((resolve) => entry.server.listen(0, host, resolve));
      entry.port = (entry.server.address() as AddressInfo).port;
      servers.push(entry);
    }
  });
  afterAll(async () => {
    for (const s of servers) await new Promise<void>((resolve) => s.server.close(() => resolve()));
  });

  const cases = [
    { fixture: 'ref-remote-unspecified.yaml', server: '0.0.0.0', url: (p: number) => `http://0.0.0.0:${p}/pet.yaml`, address: '0.0.0.0' },
    { fixture: 'ref-remote-mapped.yaml', server: '127.0.0.1', url: (p: number) => `http://[::ffff:7f00:1]:${p}/pet.yaml`, address: '::ffff:7f00:1' },
    { fixture: 'ref-remote-loopback.yaml', server: '127.0.0.1', url: (p: number) => `http://127.0.0.1:${p}/pet.yaml`, address: '127.0.0.1' },
  ];
  for (const c of cases) {
    it(`${c.fixture}: refused with and without allowRemoteRefs, and the server saw no connection`, async () => {
      const server = servers.find((s) => s.host === c.server)!;
      const spec = path.join(tmp, c.fixture);
      await writeFile(spec, (await readFile(fx(c.fixture), 'utf8')).replaceAll('__PORT__', String(server.port)));

      const off = await refused(spec);
      expect(off.message).toBe(`${spec}:${PTR}: remote $ref ${c.url(server.port)} refused: remote $refs are off (loadSpec option allowRemoteRefs)`);
      const on = await refused(spec, { allowRemoteRefs: true });
      expect(on.message).toBe(`${spec}:${PTR}: remote $ref ${c.url(server.port)} refused: ${c.address} resolves to ${c.address}, which is loopback, private, link-local or otherwise not public`);
      for (const s of servers) expect({ host: s.host, connections: s.connections, requests: s.requests }).toEqual({ host: s.host, connections: 0, requests: 0 });
    });
  }
});

describe('finding 3: an alias bomb in a $ref\'d file is refused, naming that file, fast', () => {
  it('nested aliases (billion laughs): stopped by the YAML alias limit', async () => {
    const err = await refused(fx('ref-alias-bomb.yaml'));
    expect(err.message).toBe(`${fx('parts/alias-bomb.yaml')}: YAML aliases expand too far (more than 10000 alias uses): refused as an alias bomb`);
  });

  it('one large anchor used many times: stopped by the expanded size', async () => {
    const err = await refused(fx('ref-wide-bomb.yaml'));
    expect(err.message).toBe(`${fx('parts/wide-bomb.yaml')}: the document expands to more than 2000000 nodes (YAML aliases counted at each use): refused as an alias bomb`);
  });

  it('its twin with $refs inside one file (each followed at each use by the validator): refused before validating', async () => {
    const err = await refused(fx('ref-bomb.yaml'));
    expect(err.message).toBe(`${fx('ref-bomb.yaml')}: $refs, followed at each use, expand the document to more than 5000000 nodes: refused as a $ref bomb`);
  });

  it('through the CLI: exit 2, one line', () => {
    const r = cliMock(fx('ref-alias-bomb.yaml'));
    expect(r.status).toBe(2);
    expect(r.lines).toEqual([`${fx('parts/alias-bomb.yaml')}: YAML aliases expand too far (more than 10000 alias uses): refused as an alias bomb`]);
  });
});

describe('finding 4: specs that failed later are refused at load, naming the place', () => {
  it('bad path templates', async () => {
    expect((await refused(fx('path-empty-brace.yaml'))).message).toBe(`${fx('path-empty-brace.yaml')}:#/paths/~1pets~1{}: path template /pets/{} has an empty parameter name {}`);
    expect((await refused(fx('path-unclosed.yaml'))).message).toBe(
      `${fx('path-unclosed.yaml')}:#/paths/~1pets~1{petId: path template /pets/{petId has an unmatched { (a parameter is written {name}, within one segment)`,
    );
  });

  it('no operations', async () => {
    expect((await refused(fx('no-operations.yaml'))).message).toBe(`${fx('no-operations.yaml')}:#/paths: no operations: no path has a method (get, post, ...), so there is nothing to test`);
  });

  it('a path, or the base path, under the admin prefix', async () => {
    expect((await refused(fx('admin-path.yaml'))).message).toBe(
      `${fx('admin-path.yaml')}:#/paths/~1__proxyproof~1journal: path /__proxyproof/journal is under /__proxyproof/, the mocks' admin API: the proxy would forward this operation to it`,
    );
    expect((await refused(fx('admin-basepath.yaml'))).message).toBe(
      `${fx('admin-basepath.yaml')}:#/servers/0/url: base path /__proxyproof is under /__proxyproof/, the mocks' admin API: the proxy would send every operation there`,
    );
  });

  it('the admin prefix in other spellings a proxy or server may read as it', async () => {
    for (const p of ['/__PROXYPROOF/journal', '/pets/../__proxyproof/journal', '/%5F_proxyproof/journal', '/%255f_proxyproof/faults', '//__proxyproof/x', '/__proxyproof;v=1/x', '/__proxyproof']) {
      const file = path.join(tmp, `admin-${encodeURIComponent(p)}.yaml`);
      await writeFile(file, `openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  '${p}':\n    get: {responses: {'200': {description: ok}}}\n`);
      const err = await refused(file);
      expect(err.place).toBe(`#/paths/${p.replace(/~/g, '~0').replace(/\//g, '~1')}`);
      expect(err.detail).toContain(`is under /__proxyproof/, the mocks' admin API`);
    }
    const fine = path.join(tmp, 'admin-like.yaml');
    await writeFile(fine, "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /__proxyproofing/x:\n    get: {responses: {'200': {description: ok}}}\n");
    expect((await loadSpec(fine)).operations).toHaveLength(1);
  });

  it('self-referencing schemas: a bare self $ref is a $ref loop; a required self property has no finite instance', async () => {
    // Found before the validator runs: a $ref that only leads back to itself made it overflow the stack.
    expect((await refused(fx('self-ref.yaml'))).message).toBe(
      `${fx('self-ref.yaml')}:#/components/schemas/Pet: $ref loop: #/components/schemas/Pet -> #/components/schemas/Pet (a schema that is only a reference back to itself)`,
    );
    expect((await refused(fx('self-required.yaml'))).message).toBe(
      `${fx('self-required.yaml')}:#/components/schemas/Pet: schema has no finite instance: it requires itself through a cycle with no base case (#/components/schemas/Pet)`,
    );
  });

  it('self-referencing schemas on the same value (anyOf, not): refused instead of a stack overflow in the validator', async () => {
    for (const f of ['self-anyof.yaml', 'self-not.yaml']) {
      expect((await refused(fx(f))).message).toBe(
        `${fx(f)}:#/components/schemas/Pet: schema refers to itself without descending into a property or item, so validating it would never end (#/components/schemas/Pet -> #/components/schemas/Pet)`,
      );
    }
    const r = cliMock(fx('self-not.yaml'));
    expect(r.status).toBe(2);
    expect(r.lines).toHaveLength(1);
  });

  it('a recursive tree with optional recursion still loads, and deep instances validate', async () => {
    const spec = await loadSpec(fx('tree-ok.yaml'));
    const op = spec.operations[0];
    const v = createSpecValidator(spec);
    let deep: Record<string, unknown> = { name: 'leaf', children: [] };
    for (let i = 0; i < 200; i++) deep = { name: `n${i}`, children: [deep], parent: { name: 'p', children: [] } };
    expect(v.validateResponse(op, 200, { 'content-type': 'application/json' }, JSON.stringify(deep)).errors).toEqual([]);
    expect(v.validateResponse(op, 200, { 'content-type': 'application/json' }, JSON.stringify({ name: 1, children: [] })).errors).toEqual(['body/name must be string']);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
