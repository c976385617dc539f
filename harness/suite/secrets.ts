// The suite's secrets: every credential its consumers hold, in the forms the
// checks send them, and the HS256 secret. Reports are redacted of each of
// them (harness/report/redact.ts) before anything is written.

import { checks } from '../checks/registry.ts';
import type { Spec } from '../model/spec.ts';
import type { Suite } from '../model/suite.ts';

/** Every credential a suite holds: keys, tokens, passwords, basic-auth pairs in base64, JWT secrets. */
export function secretsOf(suite: Suite): string[] {
  const out: string[] = [];
  for (const c of suite.consumers) {
    const cred = c.credential;
    if (cred.kind === 'apiKey') out.push(cred.key);
    else if (cred.kind === 'bearer') out.push(cred.token);
    else {
      out.push(cred.password, `${cred.user}:${cred.password}`);
      out.push(Buffer.from(`${cred.user}:${cred.password}`, 'utf8').toString('base64'));
    }
  }
  const secret = suite.policies.auth?.jwt?.secret;
  if (secret) out.push(secret);
  // What the checks send besides (the valid key in flipped case, say) is a secret too.
  for (const c of checks) out.push(...(c.secretsSent?.(suite) ?? []));
  return [...new Set(out.filter((s) => s.length > 0))];
}

/** The names under which the spec's apiKey schemes carry credentials (header, query or cookie). */
export function credentialNamesOf(spec: Spec): string[] {
  return [...new Set(Object.values(spec.securitySchemes).flatMap((s) => (s.kind === 'apiKey' ? [s.name] : [])))];
}
