import { describe, expect, it } from 'vitest';
import { InputError } from '../../model/errors.ts';
import { applyPlaceholders, placeholderValues } from './placeholders.ts';
import { exampleInput } from '../../testing/examples.ts';

describe('placeholders', () => {
  const input = exampleInput('/tmp/wd', { host: '127.0.0.1', port: 4321 });
  const values = placeholderValues(input);

  it('knows listen, workdir and every replica', () => {
    expect(values).toMatchObject({
      listen: '127.0.0.1:4321',
      'listen.port': '4321',
      workdir: '/tmp/wd',
      'upstream.petstore.v1': '127.0.0.1:20001',
      'upstream.petstore.v1.0': '127.0.0.1:20001',
      'upstream.petstore.v1.1': '127.0.0.1:20002',
      'upstream.petstore.v2': '127.0.0.1:20003',
      'upstream.petstore.v2.1': '127.0.0.1:20004',
    });
  });

  it('replaces placeholders, with or without inner spaces, and keeps lines', () => {
    const text = 'listen {{listen}};\nserver {{ upstream.petstore.v2.1 }};\npid {{workdir}}/x.pid; port {{listen.port}}';
    expect(applyPlaceholders(text, values, 'f.conf')).toBe(
      'listen 127.0.0.1:4321;\nserver 127.0.0.1:20004;\npid /tmp/wd/x.pid; port 4321',
    );
  });

  it('rejects an unknown placeholder naming the file and line', () => {
    const text = 'a\nb\nserver {{upstream.petstore.v3}};\n';
    let err: unknown;
    try {
      applyPlaceholders(text, { listen: '127.0.0.1:1', workdir: '/w' }, '/cfg/x.conf');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    const e = err as InputError;
    expect(e.file).toBe('/cfg/x.conf');
    expect(e.place).toBe('line 3');
    expect(e.detail).toBe('unknown placeholder {{upstream.petstore.v3}}; known: {{listen}}, {{workdir}}');
    expect(e.message).toBe('/cfg/x.conf:line 3: unknown placeholder {{upstream.petstore.v3}}; known: {{listen}}, {{workdir}}');
  });
});

describe('placeholders that are not whole', () => {
  const input = exampleInput('/tmp/wd', { host: '127.0.0.1', port: 4321 });
  const values = placeholderValues(input);
  const errorOf = (text: string, opts?: { requireListen?: boolean }): InputError => {
    try {
      applyPlaceholders(text, values, '/cfg/x.conf', opts);
    } catch (e) {
      if (e instanceof InputError) return e;
      throw e;
    }
    throw new Error(`no InputError for ${JSON.stringify(text)}`);
  };

  it.for([
    ['listen {{listen;', 'line 2', /^unbalanced placeholder: \{\{listen has no closing \}\}$/],
    ['listen listen}};', 'line 2', /^unbalanced placeholder: listen\}\} has no opening \{\{$/],
    ['server {{ upstream.petstore.v1 };', 'line 2', /^unbalanced placeholder: \{\{ upstream\.petstore\.v1 has no closing \}\}$/],
    ['listen {{{listen}}};', 'line 2', /^a third brace around \{\{\{listen\}\}\} is ambiguous/],
    ['listen {{listen}}};', 'line 2', /a third brace around \{\{listen\}\}/],
    ['x {{{listen}};', 'line 2', /a third brace/],
  ] as const)('%s is an InputError at %s', ([line, place, detail]) => {
    const e = errorOf(`events {}\n${line}\n`);
    expect(e.file).toBe('/cfg/x.conf');
    expect(e.place).toBe(place);
    expect(e.detail).toMatch(detail);
  });

  it('keeps the braces of the config itself: JSON and nginx blocks that close together', () => {
    const json = '{"static_resources": {"listeners": [{"address": {"socket_address": {"address": "{{listen.host}}", "port_value": {{listen.port}} }}}]}}';
    expect(applyPlaceholders(json, values, 'envoy.json', { requireListen: true })).toBe(
      '{"static_resources": {"listeners": [{"address": {"socket_address": {"address": "127.0.0.1", "port_value": 4321 }}}]}}',
    );
    expect(applyPlaceholders('http { server { listen {{listen}}; }}', values, 'n.conf', { requireListen: true })).toBe('http { server { listen 127.0.0.1:4321; }}');
  });

  it('a config that never uses {{listen}} or {{listen.port}} is an InputError when the proxy must listen there', () => {
    const e = errorOf('events {}\nhttp { server { listen 8080; } }\n', { requireListen: true });
    expect(e.place).toBeUndefined();
    expect(e.message).toBe('/cfg/x.conf: the proxy must listen on {{listen}} (or {{listen.port}}): proxyproof sends its requests there, and this config uses neither');
    // A misspelt listen placeholder is reported as such, not as a missing one.
    expect(errorOf('listen {{listen.addr}};\n', { requireListen: true }).detail).toMatch(/^unknown placeholder \{\{listen\.addr\}\}/);
    expect(applyPlaceholders('port {{listen.port}}', values, 'x', { requireListen: true })).toBe('port 4321');
    expect(applyPlaceholders('no listen here', values, 'x')).toBe('no listen here');
  });
});
