// The pieces behind a guarded loadSpec: which addresses are public, what is
// left of a library's message, the local folders a $ref may read, the limits
// on every file read, and a remote $ref fetched once (with the address check
// widened to loopback for the test, which has no other server to fetch from).

import { tempFolder } from '../testing/fixtures.ts';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, symlink, truncate } from 'node:fs/promises';
import path from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { parse as parseYaml } from 'yaml';
import { isPublicAddress } from './addresses.ts';
import { loadSpec } from './load-spec.ts';
import { MAX_DEPTH, MAX_EXPANDED_DEPTH, sanitizeMessage } from './read-document.ts';
import { RefGuard } from './refs.ts';
import { InputError } from '../model/errors.ts';

const folder = tempFolder('proxyproof-refs-');
const write = folder.write;

/** A 3.0 spec whose one response schema is `{$ref: ref}`. */
const specWithRef = (ref: string) => `openapi: 3.0.3
info: {title: x, version: '1'}
paths:
  /a:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '${ref}'}
`;

async function refusal(file: string, options?: Parameters<typeof loadSpec>[1]): Promise<InputError> {
  try {
    await loadSpec(file, options);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).not.toContain('\n');
    return err as InputError;
  }
  throw new Error(`expected ${file} to be refused`);
}

const POINTER = '#/paths/~1a/get/responses/200/content/application~1json/schema/$ref';

describe('isPublicAddress', () => {
  it.each([
    '0.0.0.0', '0.1.2.3', '127.0.0.1', '127.255.0.9', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254',
    '100.64.0.1', '100.127.255.255', '192.0.2.1', '198.18.0.1', '203.0.113.9', '224.0.0.1', '255.255.255.255',
    '::', '::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:8.8.8.8', '::127.0.0.1', '64:ff9b::808:808', '2002:7f00:1::',
    '2001:0:4136:e378::1', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'fe80::1%eth0', 'febf::1', 'ff02::1', '2001:db8::1',
    'localhost', 'not an address', '',
  ])('refuses %s', (a) => expect(isPublicAddress(a)).toBe(false));

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '93.184.216.34', '2606:4700:4700::1111', '2a00:1450:4001:81b::200e'])('allows %s', (a) =>
    expect(isPublicAddress(a)).toBe(true),
  );
});

describe('sanitizeMessage', () => {
  it('drops what a pointer walked into, long quoted text, and caps the length', () => {
    expect(sanitizeMessage("Cannot use 'in' operator to search for 'x' in root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1")).toBe(
      "$ref pointer token 'x' goes into a value that is not a mapping or list",
    );
    expect(sanitizeMessage('Error parsing "SECRET=abcdefghijklmnopqrstuvwxyz0123456789abcdef" as YAML')).toBe('Error parsing "…" as YAML');
    expect(sanitizeMessage('x'.repeat(500))).toHaveLength(201);
    expect(sanitizeMessage('Map keys must be unique')).toBe('Map keys must be unique');
  });
});

describe('local $refs: the spec folder and allowDirs, judged on real paths', () => {
  it('a file beside the spec loads; one in a sibling folder only with allowDirs', async () => {
    await write('shared/pet.yaml', 'Pet: {type: object, properties: {name: {type: string}}}\n');
    await write('api/parts/pet.yaml', 'Pet: {type: object}\n');
    const inside = await write('api/inside.yaml', specWithRef('parts/pet.yaml#/Pet'));
    expect((await loadSpec(inside)).operations).toHaveLength(1);

    const sibling = await write('api/sibling.yaml', specWithRef('../shared/pet.yaml#/Pet'));
    const err = await refusal(sibling);
    expect(err.file).toBe(sibling);
    expect(err.place).toBe(POINTER);
    expect(err.detail).toBe(`$ref to ${path.join(folder.path, 'shared/pet.yaml')} is outside the folders a spec may read (${path.join(folder.path, 'api')})`);
    const spec = await loadSpec(sibling, { allowDirs: [path.join(folder.path, 'shared')] });
    expect(spec.operations[0].responses[0].schema).toMatchObject({ type: 'object', properties: { name: { type: 'string' } } });
  });

  it('a symlink inside the folder that leads out is refused; one that stays inside loads', async () => {
    await write('out/secret.yaml', 'Pet: {type: object, description: SECRET-VALUE-3f1d}\n');
    await mkdir(path.join(folder.path, 'linked'), { recursive: true });
    await symlink(path.join(folder.path, 'out'), path.join(folder.path, 'linked/escape'));
    const spec = await write('linked/spec.yaml', specWithRef('escape/secret.yaml#/Pet'));
    const err = await refusal(spec);
    expect(err.place).toBe(POINTER);
    expect(err.detail).toContain(`$ref to ${path.join(folder.path, 'linked/escape/secret.yaml')} (really ${path.join(folder.path, 'out/secret.yaml')}) is outside`);
    expect(err.message).not.toContain('SECRET-VALUE');

    await write('linked/real/pet.yaml', 'Pet: {type: object}\n');
    await symlink(path.join(folder.path, 'linked/real'), path.join(folder.path, 'linked/alias'));
    expect((await loadSpec(await write('linked/ok.yaml', specWithRef('alias/pet.yaml#/Pet')))).operations).toHaveLength(1);
  });

  it('a missing target inside is "does not exist"; a missing one outside is "outside"', async () => {
    const missing = await write('miss/spec.yaml', specWithRef('parts/nope.yaml#/Pet'));
    expect((await refusal(missing)).detail).toBe(`$ref target ${path.join(folder.path, 'miss/parts/nope.yaml')} does not exist`);
    const out = await write('miss/out.yaml', specWithRef('/nonexistent-dir/nope.yaml#/Pet'));
    expect((await refusal(out)).detail).toMatch(/^\$ref to \/nonexistent-dir\/nope\.yaml is outside /);
  });

  it('a $ref in a $ref\'d file is named by that file and its pointer', async () => {
    await write('nested/parts/a.yaml', "Pet:\n  type: object\n  properties:\n    owner: {$ref: '/etc/hostname'}\n");
    const spec = await write('nested/spec.yaml', specWithRef('parts/a.yaml#/Pet'));
    const err = await refusal(spec);
    expect(err.file).toBe(path.join(folder.path, 'nested/parts/a.yaml'));
    expect(err.place).toBe('#/Pet/properties/owner/$ref');
    expect(err.detail).toMatch(/^\$ref to \/etc\/hostname is outside /);
  });

  it('other URL schemes are refused without a read', async () => {
    const spec = await write('scheme/spec.yaml', specWithRef('ftp://example.invalid/pet.yaml#/Pet'));
    const err = await refusal(spec);
    expect(err.place).toBe(POINTER);
    expect(err.detail).toBe('$ref ftp://example.invalid/pet.yaml is neither a local file nor an http(s) URL');
  });
});

describe('limits on every file read', () => {
  it('a $ref\'d file over 20 MB is refused by its size, before reading it', async () => {
    const big = await write('size/parts/big.yaml', 'Pet: {}\n');
    await truncate(big, 21 * 1024 * 1024);
    const err = await refusal(await write('size/spec.yaml', specWithRef('parts/big.yaml#/Pet')));
    expect(err.message).toBe(`${path.join(folder.path, 'size/parts/big.yaml')}: larger than the 20 MB limit for a spec file`);
  });

  it('a spec nested deeper than the limit is refused by depth, not by a stack overflow', async () => {
    const deep = `{"openapi": "3.0.3", "info": {"title": "x", "version": "1"}, "paths": {}, "x-deep": ${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
    const file = await write('deep.json', deep);
    expect((await refusal(file)).message).toBe(`${file}: nested deeper than ${MAX_DEPTH} levels`);
  });

  it('a chain of $refs too long for the validator\'s stack is refused by depth; a long one within the limit loads', async () => {
    const chain = (n: number) =>
      `${specWithRef('#/components/schemas/S0')}components:\n  schemas:\n${Array.from({ length: n }, (_, i) => `    S${i}: {allOf: [{$ref: '#/components/schemas/S${i + 1}'}]}\n`).join('')}    S${n}: {type: string}\n`;
    const long = await write('chain-long.yaml', chain(600));
    const started = performance.now();
    expect((await refusal(long)).message).toBe(`${long}: $refs, followed at each use, nest the document deeper than ${MAX_EXPANDED_DEPTH} levels (a chain of $refs too long to validate)`);
    expect(performance.now() - started).toBeLessThan(2000);
    expect((await loadSpec(await write('chain-ok.yaml', chain(150)))).operations).toHaveLength(1);
  });

  it('a FIFO is not waited on', async () => {
    const { execFileSync } = await import('node:child_process');
    const fifo = path.join(folder.path, 'fifo-dir/parts/pet.yaml');
    await mkdir(path.dirname(fifo), { recursive: true });
    execFileSync('mkfifo', [fifo]);
    const err = await refusal(await write('fifo-dir/spec.yaml', specWithRef('parts/pet.yaml#/Pet')));
    expect(err.message).toBe(`${fifo}: cannot read the file (not a regular file)`);
  });
});

describe('remote $refs with allowRemoteRefs: once each, no redirects, a size limit', () => {
  let server: Server;
  let port = 0;
  const hits: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      if (req.url === '/pet.yaml') res.end('Pet: {type: object, properties: {name: {type: string}}}\nTag: {type: string}\n');
      else if (req.url === '/moved.yaml') res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      else if (req.url === '/huge.yaml') {
        res.writeHead(200);
        const chunk = Buffer.alloc(1024 * 1024, 0x20);
        let sent = 0;
        const more = () => {
          while (sent < 21 && res.write(chunk)) sent++;
          if (sent < 21) res.once('drain', more);
          else res.end();
        };
        more();
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** validate then bundle, as loadSpec does, with loopback allowed (the only server a test may use). */
  async function loadThroughGuard(file: string, text: string): Promise<{ doc: unknown; guard: RefGuard }> {
    const raw = parseYaml(text) as Record<string, unknown>;
    const guard = await RefGuard.create(file, raw, { allowRemoteRefs: true }, { addressAllowed: () => true });
    try {
      await SwaggerParser.validate(guard.rootPath(), structuredClone(raw) as never, guard.parserOptions());
      const doc = await SwaggerParser.bundle(guard.rootPath(), structuredClone(raw) as never, guard.parserOptions());
      return { doc, guard };
    } catch (err) {
      throw guard.failure ?? err;
    }
  }

  it('two $refs into one remote file, resolved to validate and again to bundle: one request', async () => {
    hits.length = 0;
    const text = `${specWithRef(`http://127.0.0.1:${port}/pet.yaml#/Pet`)}components:\n  schemas:\n    Tag: {$ref: 'http://127.0.0.1:${port}/pet.yaml#/Tag'}\n`;
    const { doc } = await loadThroughGuard(path.join(folder.path, 'remote-once.yaml'), text);
    expect(JSON.stringify(doc)).toContain('"name":{"type":"string"}');
    expect(hits).toEqual(['/pet.yaml']);
  });

  it('a redirect is not followed', async () => {
    hits.length = 0;
    const err = await loadThroughGuard(path.join(folder.path, 'remote-moved.yaml'), specWithRef(`http://127.0.0.1:${port}/moved.yaml#/Pet`)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).place).toBe(POINTER);
    expect((err as InputError).detail).toBe(`remote $ref http://127.0.0.1:${port}/moved.yaml refused: answered 302, a redirect (not followed: point the $ref at the final URL)`);
    expect(hits).toEqual(['/moved.yaml']);
  });

  it('a download over 20 MB is cut off', async () => {
    const err = await loadThroughGuard(path.join(folder.path, 'remote-huge.yaml'), specWithRef(`http://127.0.0.1:${port}/huge.yaml#/Pet`)).catch((e: unknown) => e);
    expect((err as InputError).detail).toBe(`remote $ref http://127.0.0.1:${port}/huge.yaml refused: larger than the 20 MB limit for a spec file`);
  });

  it('without the test\'s widening, a name resolving to loopback (localhost) is refused before connecting', async () => {
    hits.length = 0;
    const file = await write('remote-localhost.yaml', specWithRef(`http://localhost:${port}/pet.yaml#/Pet`));
    const err = await refusal(file, { allowRemoteRefs: true });
    expect(err.place).toBe(POINTER);
    expect(err.detail).toMatch(new RegExp(`^remote \\$ref http://localhost:${port}/pet\\.yaml refused: localhost resolves to (127\\.0\\.0\\.1|::1), which is loopback, private, link-local or otherwise not public$`));
    expect(hits).toEqual([]);
  });
});
