// auth, the effects: for every operation, send the requests whose fate the
// judge decides (no credential, each invalid consumer, the valid key in
// flipped case, the valid consumer; unsecured operations without credentials)
// and count each one's tries at the mock upstreams.

import type { Consumer } from '../../model/suite.ts';
import type { Operation, SecurityScheme } from '../../model/spec.ts';
import { generateRequest } from '../../spec/generate-request.ts';
import type { CheckContext } from '../check.ts';
import type { Sent } from '../shared/client.ts';
import { invalidConsumers, isSecured, validConsumers } from '../shared/credentials.ts';

export interface AuthAttempt {
  op: Operation;
  /** unsecured: no credential on an open operation; bad: must be rejected; valid: must get through. */
  kind: 'unsecured' | 'bad' | 'valid';
  who: string;
  sent: Sent;
  /** Tries the mock upstreams journaled for this request. */
  tries: number;
}

/**
 * The credentials a secured operation must reject: none, each invalid consumer,
 * the valid key in another case, and (for a key in a header) a wrong key and
 * the valid one comma-joined in one header.
 */
export function badCredentials(valid: Consumer | undefined, bad: Consumer[], keyInHeader = true): Array<{ who: string; consumer?: Consumer }> {
  const out: Array<{ who: string; consumer?: Consumer }> = [{ who: 'no credential' }, ...bad.map((c) => ({ who: `invalid consumer ${c.name}`, consumer: c }))];
  // API keys are case-sensitive; nginx's plain map keys, for one, are not.
  if (valid?.credential.kind === 'apiKey') {
    const flipped = flipCase(valid.credential.key);
    if (flipped !== valid.credential.key) out.push({ who: `${valid.name}'s key in another case`, consumer: { name: `${valid.name}-case`, valid: false, credential: { kind: 'apiKey', key: flipped } } });
    // HAProxy's req.hdr splits a header at commas and an ACL matches any part
    // (doc/configuration.txt 2.6, "req.hdr"), so `wrong, <valid>` passes a
    // req.hdr key ACL; nginx, Kong and Envoy read the value whole.
    if (keyInHeader) out.push({ who: `a wrong key and ${valid.name}'s comma-joined in one header`, consumer: { name: `${valid.name}-joined`, valid: false, credential: { kind: 'apiKey', key: joinedKey(valid.credential.key) } } });
  }
  return out;
}

export function joinedKey(key: string): string {
  return `proxyproof-wrong-key, ${key}`;
}

export function flipCase(key: string): string {
  return [...key].map((ch) => (ch === ch.toUpperCase() ? ch.toLowerCase() : ch.toUpperCase())).join('');
}

export async function driveAuth(ctx: CheckContext, scheme: SecurityScheme): Promise<AuthAttempt[]> {
  const valid = validConsumers(ctx.suite)[0];
  const bad = badCredentials(valid, invalidConsumers(ctx.suite), scheme.kind === 'apiKey' && scheme.in === 'header');
  const out: AuthAttempt[] = [];
  const send = async (op: Operation, kind: AuthAttempt['kind'], who: string, req: ReturnType<typeof generateRequest>, consumer?: Consumer) => {
    const sent = await ctx.client.send(req, consumer ? { consumer, scheme } : {});
    out.push({ op, kind, who, sent, tries: ctx.fleet.journal.forRequest(sent.id).length });
  };
  for (const op of ctx.operations) {
    const req = generateRequest(ctx.spec, op, ctx.rng);
    if (!isSecured(op)) {
      await send(op, 'unsecured', 'no credential', req);
      continue;
    }
    for (const b of bad) await send(op, 'bad', b.who, req, b.consumer);
    if (valid) await send(op, 'valid', `valid consumer ${valid.name}`, req, valid);
  }
  return out;
}
