// How a consumer's credential travels, given the security scheme it answers.

import type { SecurityScheme, Spec, Operation } from '../../model/spec.ts';
import type { Policies } from '../../model/policies.ts';
import type { Consumer, Suite } from '../../model/suite.ts';

export interface CredentialPlacement {
  headers: Record<string, string>;
  query: Record<string, string>;
}

/** The scheme the checks use: the suite's choice, else the first one the spec's operations require. */
export function authSchemeOf(policies: Policies, spec: Spec): { name: string; scheme: SecurityScheme } | undefined {
  const name =
    policies.auth?.scheme ??
    spec.operations.flatMap((op) => op.security.flatMap((req) => Object.keys(req)))[0];
  if (!name) return undefined;
  const scheme = spec.securitySchemes[name];
  return scheme ? { name, scheme } : undefined;
}

export function isSecured(op: Operation): boolean {
  return op.security.length > 0 && !op.security.some((req) => Object.keys(req).length === 0);
}

export function placeCredential(consumer: Consumer | undefined, scheme: SecurityScheme | undefined): CredentialPlacement {
  const out: CredentialPlacement = { headers: {}, query: {} };
  if (!consumer) return out;
  const c = consumer.credential;
  if (c.kind === 'apiKey') {
    if (scheme?.kind === 'apiKey' && scheme.in === 'query') out.query[scheme.name] = c.key;
    else if (scheme?.kind === 'apiKey' && scheme.in === 'cookie') out.headers.cookie = `${scheme.name}=${c.key}`;
    else out.headers[(scheme?.kind === 'apiKey' ? scheme.name : 'X-API-Key').toLowerCase()] = c.key;
  } else if (c.kind === 'bearer') {
    out.headers.authorization = `Bearer ${c.token}`;
  } else {
    out.headers.authorization = `Basic ${Buffer.from(`${c.user}:${c.password}`).toString('base64')}`;
  }
  return out;
}

export function validConsumers(suite: Suite): Consumer[] {
  return suite.consumers.filter((c) => c.valid);
}

export function invalidConsumers(suite: Suite): Consumer[] {
  return suite.consumers.filter((c) => !c.valid);
}

/** How the checks send as the first valid consumer: its credential placed by the scheme the auth check uses. */
export function asValidConsumer(suite: Suite, spec: Spec): { consumer?: Consumer; scheme?: SecurityScheme } {
  return { consumer: validConsumers(suite)[0], scheme: authSchemeOf(suite.policies, spec)?.scheme };
}
