// The checks' HTTP client: every request gets a request id the mocks journal,
// carries a consumer's credential when asked, and can be turned into a curl
// line that reproduces it. Keep-alive connections on undici's pool.

import { Pool } from 'undici';
import type { HttpRequestSpec, SecurityScheme } from '../../model/spec.ts';
import type { Consumer } from '../../model/suite.ts';
import type { Exchange, Failure, Sent } from '../../model/result.ts';

export type { Sent };
import { REQUEST_ID_HEADER, SERVED_BY_HEADER } from '../../model/upstream.ts';
import { placeCredential } from './credentials.ts';
import { shellQuote } from '../../util/shell.ts';

export interface SendOptions {
  consumer?: Consumer;
  scheme?: SecurityScheme;
  id?: string;
  timeoutMs?: number;
}

const BODY_KEEP = 4096;

export class ProxyClient {
  readonly baseUrl: string;
  readonly #pool: Pool;
  readonly #prefix: string;
  #counter = 0;
  /** Set on a scoped client: the client whose ids (and pool, unless it has its own source address) it shares, and how it shapes each request. */
  #parent?: ProxyClient;
  #shape?: (req: HttpRequestSpec) => HttpRequestSpec;
  #ownPool: boolean;
  /** The loopback address this client's connections come from (undefined: the OS picks, 127.0.0.1 for a 127.0.0.1 target). */
  readonly localAddress?: string;

  constructor(baseUrl: string, runId: string, connections = 16, scope?: { parent: ProxyClient; shape?: (req: HttpRequestSpec) => HttpRequestSpec; localAddress?: string }) {
    this.baseUrl = baseUrl;
    this.#prefix = `pp-${runId}`;
    this.localAddress = scope?.localAddress;
    this.#parent = scope?.parent;
    this.#shape = scope?.shape;
    this.#ownPool = !scope?.parent || scope.localAddress !== undefined;
    // undici 7's Client/Pool option `localAddress` binds each socket's source
    // address (docs/api/Client.md); a `connect: { localAddress }` is ignored
    // (measured: the server saw 127.0.0.1).
    this.#pool = this.#ownPool
      ? new Pool(baseUrl, { connections, pipelining: 1, keepAliveTimeout: 4_000, ...(this.localAddress ? { localAddress: this.localAddress } : {}) })
      : scope!.parent.#pool;
  }

  /**
   * A client on the same connections and request ids whose every request is
   * first shaped by `shape` (a route's checks: each request made to satisfy
   * the route's match). Closing it leaves the connections to the parent.
   */
  scoped(shape: (req: HttpRequestSpec) => HttpRequestSpec): ProxyClient {
    return new ProxyClient(this.baseUrl, '', 0, { parent: this, shape });
  }

  /**
   * A client on connections of its own from `localAddress` (127.0.0.2, ...),
   * with this client's request ids and request shape: to a proxy that counts
   * by client address, another client. Close it when done.
   */
  fromAddress(localAddress: string, connections = 16): ProxyClient {
    return new ProxyClient(this.baseUrl, '', connections, { parent: this, shape: this.#shape, localAddress });
  }

  newId(label = 'r'): string {
    if (this.#parent) return this.#parent.newId(label);
    this.#counter += 1;
    return `${this.#prefix}-${label}-${this.#counter}`;
  }

  async send(req: HttpRequestSpec, opts: SendOptions = {}): Promise<Sent> {
    if (this.#shape) req = this.#shape(req);
    const id = opts.id ?? this.newId();
    const cred = placeCredential(opts.consumer, opts.scheme);
    let path = req.path;
    const q = new URLSearchParams(cred.query).toString();
    if (q) path += (path.includes('?') ? '&' : '?') + q;
    const headers: Record<string, string> = { ...lower(req.headers), ...cred.headers, [REQUEST_ID_HEADER]: id };
    const sentAt = Date.now();
    const base = { id, method: req.method, path, url: this.baseUrl + path, headers, body: req.body, sentAt };
    try {
      const res = await this.#pool.request({
        method: req.method,
        path,
        headers,
        body: req.body,
        headersTimeout: opts.timeoutMs ?? 10_000,
        bodyTimeout: opts.timeoutMs ?? 10_000,
      });
      const text = await res.body.text();
      return {
        ...base,
        status: res.statusCode,
        responseHeaders: flatten(res.headers),
        responseBody: text,
        doneAt: Date.now(),
      };
    } catch (err) {
      return { ...base, status: 0, responseHeaders: {}, responseBody: '', doneAt: Date.now(), error: (err as Error).message };
    }
  }

  async close(): Promise<void> {
    if (!this.#ownPool) return;
    await this.#pool.destroy();
  }
}

function lower(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

function flatten(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** A shell-safe curl line that reproduces the request. */
export function curlOf(s: Pick<Sent, 'method' | 'url' | 'headers' | 'body'>): string {
  const parts = ['curl', '-sS', '-i', '-X', s.method];
  for (const [k, v] of Object.entries(s.headers)) parts.push('-H', shellQuote(`${k}: ${v}`));
  if (s.body !== undefined) parts.push('--data-binary', shellQuote(s.body));
  parts.push(shellQuote(s.url));
  return parts.join(' ');
}

/** A failure shown by one request: its exchange (with the upstream's tries) and the curl line that reproduces it. */
export function failureOf(code: string, message: string, s?: Sent, upstreamTries?: number): Failure {
  return s ? { code, message, exchange: exchangeOf(s, upstreamTries, message), curl: curlOf(s) } : { code, message };
}

export function exchangeOf(s: Sent, upstreamTries?: number, note?: string): Exchange {
  return {
    request: { method: s.method, url: s.url, headers: s.headers, body: clip(s.body) },
    response: s.status
      ? { status: s.status, headers: s.responseHeaders, body: clip(s.responseBody) }
      : undefined,
    upstreamTries,
    servedBy: s.responseHeaders[SERVED_BY_HEADER],
    note: note ?? s.error,
  };
}

function clip(body: string | undefined): string | undefined {
  if (body === undefined) return undefined;
  return body.length > BODY_KEEP ? `${body.slice(0, BODY_KEEP)}… (${body.length} bytes)` : body;
}
