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
