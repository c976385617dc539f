// What a spec's $refs may read. Teams run proxyproof in CI on specs they did
// not write, so a $ref is an untrusted path or URL: a local $ref may read only
// files under the spec's own folder or a folder the caller allows (judged on
// the real path, after symlinks), and a remote one is fetched only when the
// caller allows remote $refs, never from a non-public address, and once.
//
// swagger-parser reads every $ref'd file through the resolvers and the parser
// given here (its `resolve` and `parse` options), so each file read has the
// spec's own limits (size, YAML aliases, expansion, depth) and a refusal
// names the file and the JSON pointer of the $ref, never the target's content.

import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type SwaggerParser from '@apidevtools/swagger-parser';
import { InputError } from '../model/errors.ts';
import { looksLikeJson, MAX_FILE_BYTES, parseDocumentText, readLimitedFile } from './read-document.ts';
import { displayUrl, fetchRemote, RemoteRefused } from './remote.ts';

export interface LoadSpecOptions {
  /** Folders besides the spec's own whose files a local `$ref` may read. */
  allowDirs?: string[];
  /** Fetch `http(s)://` $refs (only from public addresses). Off by default: a spec may not make proxyproof touch the network. */
  allowRemoteRefs?: boolean;
}

/** What tests may change besides the options. */
export interface RefGuardDeps {
  addressAllowed?: (address: string) => boolean;
}

/** Every file a spec reads, its $refs' files included, counted together. */
const MAX_TOTAL_BYTES = 100 * 1024 * 1024;
const REMOTE_TIMEOUT_MS = 10_000;

interface FileInfoLike {
  url: string;
  data?: unknown;
}

type Obj = Record<string, unknown>;

const isHttp = (url: string) => /^https?:\/\//i.test(url);
const isLocal = (url: string) => url.startsWith('/') || /^file:/i.test(url);

/** ref-parser's own `url.resolve`: how it turns a `$ref` in the file at `from` into the URL its resolvers get. */
function resolveRefUrl(from: string, to: string): string {
  const fromUrl = new URL(from, 'https://aaa.nonexistanturl.com');
  const resolved = new URL(to, fromUrl);
  if (resolved.hostname === 'aaa.nonexistanturl.com') return resolved.pathname + resolved.search + resolved.hash;
  return resolved.toString();
}

const stripHash = (url: string) => url.split('#')[0];

function within(p: string, dirs: string[]): boolean {
  return dirs.some((d) => p === d || p.startsWith(d.endsWith(path.sep) ? d : d + path.sep));
}

async function realDir(dir: string): Promise<string> {
  try {
    return await realpath(dir);
  } catch {
    return path.resolve(dir);
  }
}

/** The JSON pointer of the first `$ref` in `doc` for which `matches` holds. */
function findRef(doc: unknown, matches: (ref: string) => boolean): string | undefined {
  const seen = new Set<object>();
  const stack: [unknown, string][] = [[doc, '#']];
  while (stack.length) {
    const [node, ptr] = stack.pop()!;
    if (typeof node !== 'object' || node === null || seen.has(node)) continue;
    seen.add(node);
    if (!Array.isArray(node) && typeof (node as Obj).$ref === 'string' && matches((node as Obj).$ref as string)) return `${ptr}/$ref`;
    const entries = Object.entries(node);
    for (let i = entries.length - 1; i >= 0; i--) stack.push([entries[i][1], `${ptr}/${entries[i][0].replace(/~/g, '~0').replace(/\//g, '~1')}`]);
  }
  return undefined;
}

export class RefGuard {
  /**
   * The first refusal or failed read. swagger-parser wraps whatever a resolver
   * or parser throws in its own error (whose text may hold content), so the
   * InputError is kept here and thrown as it is.
   */
  failure: InputError | undefined;
  /** ref-parser's URL of each document read (the spec's included) -> its value, to find the $ref behind a refusal. */
  private readonly docs = new Map<string, unknown>();
  /** One read (one download) per URL: swagger-parser resolves every $ref once to bundle and again to validate. */
  private readonly reads = new Map<string, Promise<Buffer>>();
  private totalBytes = 0;

  private constructor(
    private readonly specFile: string,
    private readonly specDir: string,
    private readonly allowed: string[],
    private readonly options: LoadSpecOptions,
    private readonly deps: RefGuardDeps,
  ) {}

  /** A guard for the spec `specFile` (as the user named it), whose parsed document is `doc`. */
  static async create(specFile: string, doc: unknown, options: LoadSpecOptions = {}, deps: RefGuardDeps = {}): Promise<RefGuard> {
    const abs = path.resolve(specFile);
    const dirs = [path.dirname(abs), ...(options.allowDirs ?? []).map((d) => path.resolve(d))];
    const allowed = [...new Set(await Promise.all(dirs.map(realDir)))];
    const guard = new RefGuard(specFile, path.dirname(abs), allowed, options, deps);
    guard.docs.set(stripHash(guard.rootUrl()), doc);
    return guard;
  }

  /** The path swagger-parser is given for the spec (ref-parser resolves the spec's $refs against it). */
  rootPath(): string {
    return path.resolve(this.specFile);
  }

  private rootUrl(): string {
    const cwd = process.cwd();
    return resolveRefUrl(cwd.endsWith('/') ? cwd : `${cwd}/`, this.rootPath());
  }

  /** swagger-parser options: these resolvers and this parser replace its own. */
  parserOptions(): SwaggerParser.Options {
    const read = (file: FileInfoLike) => this.read(stripHash(file.url));
    return {
      resolve: {
        file: { order: 100, canRead: (file: FileInfoLike) => isLocal(file.url), read },
        http: { order: 200, canRead: (file: FileInfoLike) => isHttp(file.url), read },
        // Anything else (ftp:, data:, a Windows drive...) is refused rather than left to the defaults.
        other: { order: 300, canRead: (file: FileInfoLike) => !isLocal(file.url) && !isHttp(file.url), read },
      },
      parse: {
        json: false,
        yaml: false,
        text: false,
        binary: false,
        spec: { order: 1, canParse: true, allowEmpty: true, parse: (file: FileInfoLike) => this.parse(file) },
      },
    } as unknown as SwaggerParser.Options;
  }

  private read(url: string): Promise<Buffer> {
    let pending = this.reads.get(url);
    if (!pending) {
      pending = isLocal(url) ? this.readLocal(url) : isHttp(url) ? this.readRemote(url) : this.refuse(url, `$ref ${displayUrl(url)} is neither a local file nor an http(s) URL`);
      this.reads.set(url, pending);
    }
    return pending;
  }

  private async readLocal(url: string): Promise<Buffer> {
    let file: string;
    try {
      file = fileURLToPath(/^file:/i.test(url) ? url : `file://${url}`);
    } catch {
      return this.refuse(url, `$ref ${url.slice(0, 200)} is not a usable file path`);
    }
    let real: string;
    try {
      real = await realpath(file);
    } catch {
      // A missing target is judged by its path as written, so that one outside is refused alike whether it exists or not.
      const inside = within(path.resolve(file), [...this.allowed, this.specDir]);
      return this.refuse(url, inside ? `$ref target ${this.labelOf(file)} does not exist` : this.outside(file));
    }
    if (!within(real, this.allowed)) return this.refuse(url, this.outside(real === file ? file : `${file} (really ${real})`));
    const data = await this.record(readLimitedFile(this.labelOf(file), real));
    return this.count(data, this.labelOf(file));
  }

  private outside(target: string): string {
    return `$ref to ${target} is outside the folders a spec may read (${this.allowed.join(', ')})`;
  }

  private async readRemote(url: string): Promise<Buffer> {
    const shown = displayUrl(url);
    if (!this.options.allowRemoteRefs) return this.refuse(url, `remote $ref ${shown} refused: remote $refs are off (loadSpec option allowRemoteRefs)`);
    try {
      const data = await fetchRemote(url, { maxBytes: MAX_FILE_BYTES, timeoutMs: REMOTE_TIMEOUT_MS, addressAllowed: this.deps.addressAllowed });
      return this.count(data, shown);
    } catch (err) {
      if (err instanceof RemoteRefused) return this.refuse(url, `remote $ref ${shown} refused: ${err.message}`);
      throw err;
    }
  }

  private count(data: Buffer, label: string): Buffer {
    this.totalBytes += data.length;
    if (this.totalBytes > MAX_TOTAL_BYTES) throw this.keep(new InputError(label, undefined, `the spec's files together are larger than ${MAX_TOTAL_BYTES / 1024 / 1024} MB`));
    return data;
  }

  private parse(file: FileInfoLike): unknown {
    const url = stripHash(file.url);
    const label = this.labelOf(isLocal(url) ? this.pathOf(url) : url);
    if (!Buffer.isBuffer(file.data) && typeof file.data !== 'string') return file.data;
    const text = file.data.toString('utf8');
    const doc = this.catching(() => parseDocumentText(label, text, looksLikeJson(url, text)));
    // parseDocumentText has checked its size and depth. A $ref'd file holds OpenAPI objects; a scalar (a text file read by mistake) would end in an error quoting it.
    if (typeof doc !== 'object' || doc === null) throw this.keep(new InputError(label, undefined, "a $ref'd file must hold a YAML or JSON mapping or list"));
    this.docs.set(url, doc);
    return doc;
  }

  private catching<T>(f: () => T): T {
    try {
      return f();
    } catch (err) {
      if (err instanceof InputError) this.keep(err);
      throw err;
    }
  }

  private async record<T>(p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (err) {
      if (err instanceof InputError) this.keep(err);
      throw err;
    }
  }

  private keep(err: InputError): InputError {
    this.failure ??= err;
    return err;
  }

  /** Refuses the read of `url`, naming the file and pointer of the $ref that asked for it. */
  private refuse(url: string, detail: string): Promise<never> {
    const where = this.locateRef((ref, docUrl) => stripHash(resolveRefUrl(docUrl, ref)) === url);
    return Promise.reject(this.keep(new InputError(where?.file ?? this.specFile, where?.pointer, detail)));
  }

  /** The file (as shown) and JSON pointer of the first `$ref` read so far for which `matches` holds. */
  locateRef(matches: (ref: string, docUrl: string) => boolean): { file: string; pointer: string } | undefined {
    for (const [docUrl, doc] of this.docs) {
      const pointer = findRef(doc, (ref) => {
        try {
          return matches(ref, docUrl);
        } catch {
          return false;
        }
      });
      if (pointer) return { file: docUrl === stripHash(this.rootUrl()) ? this.specFile : this.labelOf(this.pathOf(docUrl)), pointer };
    }
    return undefined;
  }

  private pathOf(url: string): string {
    try {
      return fileURLToPath(/^file:/i.test(url) ? url : `file://${url}`);
    } catch {
      return url;
    }
  }

  /** A local file as the user would write it: relative to the spec as they named it, when it is under the spec's folder. */
  private labelOf(fileOrUrl: string): string {
    if (!isLocal(fileOrUrl) || fileOrUrl.startsWith('file:')) return isHttp(fileOrUrl) ? displayUrl(fileOrUrl) : fileOrUrl;
    const rel = path.relative(this.specDir, fileOrUrl);
    if (rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) return fileOrUrl;
    return path.join(path.dirname(this.specFile), rel);
  }
}
