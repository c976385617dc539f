// A fleet's admin API (read and clear the journal, set and clear fault
// programs) on its own listener: 127.0.0.1 on an OS-given port the proxy is
// never given, and only with the fleet's random bearer token. Any local
// process could otherwise read every consumer's traffic and steer a running
// suite's mocks.

import http from 'node:http';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ADMIN_PREFIX, type ControlEndpoint } from '../model/upstream.ts';
import type { Journal } from './journal.ts';
import { checkFaultProgram, type FaultPrograms } from './fault-program.ts';
import { readBody, send, sendJson, serve, type RunningServer } from './server.ts';

export interface AdminState {
  journal: Journal;
  faults: FaultPrograms;
}

/** A fresh bearer token: 256 random bits. */
export const newToken = (): string => randomBytes(32).toString('base64url');

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Constant time whatever the lengths: both sides are hashed to 32 bytes before the comparison. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  const same = timingSafeEqual(digest(m?.[1] ?? ''), digest(token));
  return m !== null && same;
}

/** One admin call; `path` is the raw request path (no query), `params` its query. */
async function route(state: AdminState, req: http.IncomingMessage, res: http.ServerResponse, path: string, params: URLSearchParams, body: string): Promise<void> {
  const what = path.startsWith(ADMIN_PREFIX) ? path.slice(ADMIN_PREFIX.length) : undefined;
  if (what === 'journal' && req.method === 'GET') {
    const since = Number(params.get('since') ?? '0');
    return sendJson(res, 200, {}, { entries: state.journal.since(Number.isFinite(since) ? since : 0) });
  }
  if (what === 'journal' && req.method === 'DELETE') {
    state.journal.clear();
    return send(res, 204, {}, '');
  }
  if (what === 'faults' && req.method === 'POST') {
    try {
      const parsed = JSON.parse(body) as { requestId?: unknown; program?: unknown };
      if (typeof parsed.requestId !== 'string' || parsed.requestId === '') throw new Error('requestId must be a non-empty string');
      state.faults.set(parsed.requestId, checkFaultProgram(parsed.program));
    } catch (err) {
      return sendJson(res, 400, {}, { error: err instanceof Error ? err.message : String(err) });
    }
    return send(res, 204, {}, '');
  }
  if (what === 'faults' && req.method === 'DELETE') {
    state.faults.clear();
    return send(res, 204, {}, '');
  }
  return sendJson(res, 404, {}, { error: `no admin route ${req.method} ${path}` });
}

function controlHandler(state: AdminState, token: string) {
  return async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    if (!bearerMatches(req.headers.authorization, token)) {
      // Checked before the body is read: an unauthenticated caller gets nothing buffered for it.
      req.resume();
      return sendJson(res, 401, { 'www-authenticate': 'Bearer realm="proxyproof-mock"' }, { error: 'the admin API needs Authorization: Bearer <token>' });
    }
    let body: string;
    try {
      body = await readBody(req);
    } catch {
      return sendJson(res, 413, {}, { error: 'body too large' });
    }
    // The raw path, not a normalised one: an admin route is named exactly or not at all.
    const raw = req.url ?? '/';
    const qi = raw.indexOf('?');
    const path = qi >= 0 ? raw.slice(0, qi) : raw;
    return route(state, req, res, path, new URLSearchParams(qi >= 0 ? raw.slice(qi + 1) : ''), body);
  };
}

/** Start the control listener on 127.0.0.1 (port 0: OS-given) with a fresh token. */
export async function startControl(state: AdminState, port = 0): Promise<{ control: ControlEndpoint; running: RunningServer }> {
  const token = newToken();
  const { running, port: bound } = await serve(port, controlHandler(state, token), (res, err) =>
    sendJson(res, 500, {}, { error: `control failure: ${err instanceof Error ? err.message : String(err)}` }),
  );
  return { control: { url: `http://127.0.0.1:${bound}`, token }, running };
}
