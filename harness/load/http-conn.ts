// One keep-alive HTTP/1.1 connection for the load engine: pre-encoded
// requests written straight to a socket and a minimal response parser
// (status line, content-length, chunked, connection: close). This is the
// generator's hot path: no per-request objects beyond what the engine keeps,
// so the engine's cost per request stays close to wrk's (see bench/load-engine.ts).
// The checks use undici (harness/checks/client.ts); a plain undici Pool loop
// (dispatch, minimal handler) measured 0.61-0.65 of wrk's throughput through
// HAProxy here, below autocannon (bench/load-engine.ts runs it as a peer), too
// slow for a generator sharing two cores with the proxy and the mocks.

import net from 'node:net';

const CRLFCRLF = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');

export interface ConnHandlers {
  /** A complete response; `captured` is the value of the captured header, if asked. */
  response(conn: HttpConn, status: number, captured: string | undefined): void;
  /** The socket failed or closed with a request in flight (or before connecting). */
  failed(conn: HttpConn, reason: string, hadRequest: boolean): void;
}

type State = 0 | 1 | 2 | 3; // 0 head, 1 fixed body, 2 chunked, 3 until close

export class HttpConn {
  readonly id: number;
  readonly host: string;
  readonly port: number;
  socket: net.Socket | undefined;
  connected = false;
  /** A request is in flight. */
  busy = false;
  /** Intended send time (performance.now ms) of the request in flight. */
  intended = 0;
  /** Actual write time of the request in flight. */
  sentAt = 0;
  /** Engine's tag for the request in flight (operation index). */
  tag = 0;
  closed = false;
  #buf: Buffer | null = null;
  #state: State = 0;
  #remaining = 0;
  #status = 0;
  #captured: string | undefined;
  #closeAfter = false;
  #headOnly = false;
  readonly #handlers: ConnHandlers;
  readonly #capture: string | undefined;

  constructor(id: number, host: string, port: number, handlers: ConnHandlers, captureHeader?: string) {
    this.id = id;
    this.host = host;
    this.port = port;
    this.#handlers = handlers;
    this.#capture = captureHeader ? `\r\n${captureHeader.toLowerCase()}:` : undefined;
  }

  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: this.host, port: this.port, noDelay: true });
      this.socket = s;
      this.closed = false;
      let settled = false;
      s.once('connect', () => {
        this.connected = true;
        settled = true;
        resolve();
      });
      s.on('data', (chunk: Buffer) => this.#onData(chunk));
      s.on('error', () => {});
      s.on('close', () => {
        this.connected = false;
        this.closed = true;
        this.#buf = null;
        this.#state = 0;
        if (!settled) {
          settled = true;
          reject(new Error(`cannot connect to ${this.host}:${this.port}`));
          return;
        }
        if (this.busy) {
          this.busy = false;
          this.#handlers.failed(this, 'connection closed', true);
        } else this.#handlers.failed(this, 'connection closed', false);
      });
    });
  }

  /** Write one pre-encoded request. `headOnly`: a HEAD request (no response body). */
  send(request: Buffer, intended: number, now: number, tag: number, headOnly = false): void {
    this.busy = true;
    this.intended = intended;
    this.sentAt = now;
    this.tag = tag;
    this.#headOnly = headOnly;
    this.socket!.write(request);
  }

  destroy(): void {
    this.socket?.destroy();
  }

  #onData(chunk: Buffer): void {
    let buf = this.#buf ? Buffer.concat([this.#buf, chunk]) : chunk;
    this.#buf = null;
    let pos = 0;
    for (;;) {
      if (this.#state === 0) {
        const end = buf.indexOf(CRLFCRLF, pos);
        if (end < 0) break;
        this.#parseHead(buf, pos, end);
        pos = end + 4;
        if (this.#state === 0) {
          this.#finish();
          continue;
        }
      }
      if (this.#state === 1) {
        const avail = buf.length - pos;
        if (avail < this.#remaining) {
          this.#remaining -= avail;
          pos = buf.length;
          break;
        }
        pos += this.#remaining;
        this.#remaining = 0;
        this.#state = 0;
        this.#finish();
        continue;
      }
      if (this.#state === 2) {
        // Chunked: #remaining > 0 is data (+2 for its CRLF) still to skip; 0 means a size line is next.
        if (this.#remaining > 0) {
          const avail = buf.length - pos;
          if (avail < this.#remaining) {
            this.#remaining -= avail;
            pos = buf.length;
            break;
          }
          pos += this.#remaining;
          this.#remaining = 0;
        }
        const eol = buf.indexOf(CRLF, pos);
        if (eol < 0) break;
        const size = parseInt(buf.toString('latin1', pos, eol), 16);
        if (size === 0) {
          // Last chunk: skip trailers up to the empty line.
          const fin = buf.indexOf(CRLFCRLF, eol);
          if (fin < 0) break;
          pos = fin + 4;
          this.#state = 0;
          this.#finish();
          continue;
        }
        pos = eol + 2;
        this.#remaining = size + 2;
        continue;
      }
      // state 3: body until close; nothing to count.
      pos = buf.length;
      break;
    }
    if (pos < buf.length) this.#buf = pos === 0 ? buf : buf.subarray(pos);
  }

  #parseHead(buf: Buffer, start: number, end: number): void {
    this.#status = (buf[start + 9] - 48) * 100 + (buf[start + 10] - 48) * 10 + (buf[start + 11] - 48);
    const head = buf.toString('latin1', start, end).toLowerCase();
    this.#closeAfter = head.includes('\r\nconnection: close');
    if (this.#capture) {
      const i = head.indexOf(this.#capture);
      if (i >= 0) {
        const from = i + this.#capture.length;
        const eol = head.indexOf('\r\n', from);
        this.#captured = buf.toString('latin1', start + from, eol < 0 ? end : start + eol).trim();
      } else this.#captured = undefined;
    }
    const s = this.#status;
    if (this.#headOnly || s === 204 || s === 304 || (s >= 100 && s < 200)) {
      this.#state = 0;
      return;
    }
    const cl = head.indexOf('\r\ncontent-length:');
    if (cl >= 0) {
      const n = parseInt(head.slice(cl + 17, cl + 40), 10) || 0;
      this.#remaining = n;
      this.#state = n > 0 ? 1 : 0;
      return;
    }
    if (head.includes('\r\ntransfer-encoding: chunked')) {
      this.#state = 2;
      this.#remaining = 0;
      return;
    }
    this.#state = 3;
  }

  #finish(): void {
    if (this.#status >= 100 && this.#status < 200) return; // interim response; the real one follows
    const wasBusy = this.busy;
    this.busy = false;
    // `connection: close` (nginx after keepalive_requests, say): the engine must
    // not write the next request here, so the connection stops counting as
    // connected before the engine hears of the response; it reconnects on close.
    if (this.#closeAfter) {
      this.connected = false;
      this.socket?.end();
    }
    if (wasBusy) this.#handlers.response(this, this.#status, this.#captured);
  }
}
