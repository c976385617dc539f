// Strict import at the suite level: notCheckedDetail on notes, and
// `import: { strict: true }` in a suite over real samples (fixtures/realdata).

import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect } from 'vitest';
import { it } from '../testing/fixtures.ts';
import { InputError } from '../model/errors.ts';
import type { ImportNote } from '../model/suite.ts';
import { loadSuite } from './load-suite.ts';
import { notCheckedDetail, noteText } from './strict.ts';

const repo = resolve(import.meta.dirname, '../..');
const suites = join(repo, 'fixtures/suites');

const note = (kind: ImportNote['kind'], message: string, more: Partial<ImportNote> = {}) => ({ source: 'vs.yaml', resource: 'VirtualService/reviews', kind, message, ...more });

describe('notCheckedDetail', () => {
  it('is undefined when no note is unexpressed', () => {
    expect(notCheckedDetail([note('default', 'd'), note('info', 'i'), note('conflict', 'c')], '--strict')).toBeUndefined();
    expect(notCheckedDetail([])).toBeUndefined();
  });

  it('names the first unexpressed note, its field when given, and how many more', () => {
    const notes = [note('info', 'i'), note('unexpressed', 'mirror has no proxyproof check', { field: 'spec.http[1].mirror' }), note('unexpressed', 'tcp routes have no proxyproof check', { resource: 'VirtualService/tcp' })];
    expect(notCheckedDetail(notes, '--strict')).toBe('--strict: not checked: VirtualService/reviews spec.http[1].mirror: mirror has no proxyproof check (and 1 more; proxyproof validate without --strict lists them)');
    expect(notCheckedDetail(notes.slice(2))).toBe('not checked: VirtualService/tcp: tcp routes have no proxyproof check');
  });

  it('does not repeat a field the message already names', () => {
    expect(noteText(note('unexpressed', 'spec.http[1].mirror: not checked', { field: 'spec.http[1].mirror' }))).toBe('VirtualService/reviews: spec.http[1].mirror: not checked');
  });

  it('shows control characters from the resource as escapes, on one line', () => {
    const d = notCheckedDetail([note('unexpressed', 'hosts a\nb \u001b[31mred\u009b', { resource: 'VirtualService/x\r' })])!;
    expect(d).toBe('not checked: VirtualService/x\\r: hosts a\\nb \\u001b[31mred\\u009b');
    expect(d).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });
});

describe('import: { strict: true } in a suite', () => {
  const strictCopy = (tmp: string, name: string) => {
    // The copy lives in tmp: its relative paths are made absolute.
    const text = readFileSync(join(suites, name), 'utf8').replace(/\.\.\/\.\.\//g, `${repo}/`).replace(/\.\.\/realdata\//g, `${repo}/fixtures/realdata/`);
    const f = join(tmp, name);
    writeFileSync(f, `${text}import:\n  strict: true\n`);
    return f;
  };

  it('refuses a sample with a mirror: an InputError at import.strict naming the resource', async ({ tmp }) => {
    const f = strictCopy(tmp, 'httproute-mirror.suite.yaml');
    const err = await loadSuite(f).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    const { message } = err as InputError;
    expect(message).toMatch(new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:line \\d+: import\\.strict: not checked: HTTPRoute/http-filter-mirror spec\\.rules\\[0\\]\\.filters\\[0\\]: rules\\[0\\]: filter RequestMirror: .+$`));
    expect(message).not.toContain('\n');
  });

  it('loads a sample whose every field is checked (bookinfo DestinationRules)', async ({ tmp }) => {
    const s = await loadSuite(strictCopy(tmp, 'bookinfo-subsets.suite.yaml'));
    expect(s.imported!.notes.filter((n) => n.kind === 'unexpressed')).toEqual([]);
    expect(s.imported!.from).toEqual([join(repo, 'fixtures/realdata/istio/bookinfo-networking/destination-rule-all.yaml')]);
  });

  it('strict: false and no import section load the mirror sample, its notes kept', async ({ tmp }) => {
    const f = join(tmp, 'off.suite.yaml');
    writeFileSync(f, readFileSync(strictCopy(tmp, 'httproute-mirror.suite.yaml'), 'utf8').replace('strict: true', 'strict: false'));
    expect((await loadSuite(f)).imported!.notes.some((n) => n.kind === 'unexpressed' && /mirror/.test(noteText(n)))).toBe(true);
    expect((await loadSuite(join(suites, 'httproute-mirror.suite.yaml'))).imported!.notes.length).toBeGreaterThan(0);
  });
});
