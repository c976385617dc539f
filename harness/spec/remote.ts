// Fetching a remote $ref when the caller allows remote $refs at all: only
// from public addresses (every address the host resolves to is checked, and
// the connection goes to those addresses, not to a second lookup that could
// answer otherwise), no redirects (the target would escape the check), a
// size limit and a deadline.

import { lookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isPublicAddress } from './addresses.ts';

/** Why a remote $ref was not fetched; the message is safe to print. */
export class RemoteRefused extends Error {}

export interface RemoteLimits {
  maxBytes: number;
  /** The whole download, connection to last byte. */
  timeoutMs: number;
  /** Which resolved addresses may be connected to (tests widen it; the default is public addresses only). */
  addressAllowed?: (address: string) => boolean;
}

/** A URL as it may be printed: no user, password or query (any may carry a token). */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(an invalid URL)';
  }
}

export async function fetchRemote(url: string, limits: RemoteLimits): Promise<Buffer> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RemoteRefused('not a valid URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new RemoteRefused(`${u.protocol} URLs are not fetched`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: LookupAddress[];
  try {
    addresses = await lookup(host, { all: true, verbatim: true });
  } catch (err) {
    throw new RemoteRefused(`cannot resolve ${host} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const allowed = limits.addressAllowed ?? isPublicAddress;
  const bad = addresses.find((a) => !allowed(a.address));
  if (bad || addresses.length === 0) {
    throw new RemoteRefused(`${host} resolves to ${bad?.address ?? 'no address'}, which is loopback, private, link-local or otherwise not public`);
  }
  return download(u, addresses, limits);
}

function download(u: URL, addresses: LookupAddress[], limits: RemoteLimits): Promise<Buffer> {
  const pinned: LookupFunction = (_host, opts, cb) => {
    if (opts.all) cb(null, addresses);
    else cb(null, addresses[0].address, addresses[0].family);
  };
  const client = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      req.destroy();
      reject(new RemoteRefused(why));
    };
    const timer = setTimeout(() => fail(`no complete answer within ${limits.timeoutMs / 1000} s`), limits.timeoutMs);
    const req = client.get(u, { lookup: pinned, headers: { accept: 'application/json, application/yaml, */*;q=0.5' } }, (res) => {
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        clearTimeout(timer);
        fail(status >= 300 && status < 400 ? `answered ${status}, a redirect (not followed: point the $ref at the final URL)` : `answered HTTP ${status}`);
        return;
      }
      if (Number(res.headers['content-length']) > limits.maxBytes) {
        clearTimeout(timer);
        fail(`larger than the ${limits.maxBytes / 1024 / 1024} MB limit for a spec file`);
        return;
      }
      const chunks: Buffer[] = [];
      let total = 0;
      res.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (total > limits.maxBytes) {
          clearTimeout(timer);
          fail(`larger than the ${limits.maxBytes / 1024 / 1024} MB limit for a spec file`);
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks));
      });
      res.on('error', (err) => {
        clearTimeout(timer);
        reject(new RemoteRefused(`download failed (${(err as NodeJS.ErrnoException).code ?? 'error'})`));
      });
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(new RemoteRefused(`cannot fetch (${(err as NodeJS.ErrnoException).code ?? 'error'})`));
    });
  });
}
