// policies.transform: request headers the proxy sets (replacing a client's
// value) or removes before the upstream.

import type { PolicySection } from '../check.ts';

/** Request transformation: headers the proxy sets (replacing a client's value) or removes before the upstream. */
export interface TransformPolicy {
  setHeaders: Record<string, string>;
  removeHeaders: string[];
}

declare module '../../model/policies.ts' {
  interface Policies {
    transform?: TransformPolicy;
  }
}

declare module '../../model/features.ts' {
  interface FeatureMap {
    'transform.headers': true;
  }
}

const TOKEN = "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$";

export const transformSection: PolicySection<'transform'> = {
  schema: {
    description: 'Request transformation the proxy applies before the upstream (Kong request-transformer, nginx proxy_set_header, HAProxy http-request set-header/del-header, Envoy request_headers_to_add/remove).',
    type: 'object',
    additionalProperties: false,
    required: ['request'],
    properties: {
      request: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: {
          setHeaders: {
            description: 'Header name -> value the upstream must see, whatever the client sent.',
            type: 'object',
            minProperties: 1,
            propertyNames: { pattern: TOKEN },
            additionalProperties: { type: 'string', pattern: '^[\\x20-\\x7e]*$' },
          },
          removeHeaders: { description: 'Headers the upstream must never see.', type: 'array', minItems: 1, items: { type: 'string', pattern: TOKEN } },
        },
      },
    },
  },
  parse(t, ctx) {
    const req = (t.request ?? {}) as Record<string, unknown>;
    const set = (req.setHeaders as Record<string, string> | undefined) ?? {};
    const remove = (req.removeHeaders as string[] | undefined) ?? [];
    const clash = remove.find((h) => Object.keys(set).some((k) => k.toLowerCase() === h.toLowerCase()));
    if (clash) ctx.fail(['request', 'removeHeaders', remove.indexOf(clash)], `${clash} is both set and removed`);
    return { setHeaders: { ...set }, removeHeaders: [...remove] };
  },
};
