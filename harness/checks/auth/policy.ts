// policies.auth: which security scheme the proxy enforces, what counts as a
// rejection, and how bearer tokens are verified.

import type { PolicySection } from '../check.ts';

export interface JwtSettings {
  alg: 'RS256' | 'HS256';
  /** Absolute path of a JWKS file (RS256). */
  jwks?: string;
  /** Shared secret (HS256). */
  secret?: string;
  issuer?: string;
}

export interface AuthPolicy {
  /** Name in the spec's securitySchemes; undefined = the spec's own requirements. */
  scheme?: string;
  /** Statuses that count as a rejection. Default [401, 403]. */
  reject: number[];
  jwt?: JwtSettings;
}

declare module '../../model/policies.ts' {
  interface Policies {
    auth?: AuthPolicy;
  }
}

declare module '../../model/features.ts' {
  interface FeatureMap {
    'auth.apiKey': true;
    'auth.basic': true;
    'auth.bearer': true;
  }
}

export const authSection: PolicySection<'auth'> = {
  schema: {
    description: 'Authentication: requests without a valid credential must be rejected, valid ones let through.',
    type: 'object',
    additionalProperties: false,
    properties: {
      scheme: { description: "Name of a securityScheme in the spec; absent: the spec's own security requirements.", type: 'string', minLength: 1 },
      reject: { description: 'Statuses that count as a rejection. Default [401, 403].', type: 'array', minItems: 1, uniqueItems: true, items: { $ref: '#/definitions/status' } },
      jwt: {
        description: 'How bearer tokens are verified: RS256 with a JWKS file, or HS256 with a shared secret.',
        type: 'object',
        additionalProperties: false,
        required: ['alg'],
        properties: {
          alg: { description: 'Signature algorithm.', type: 'string', enum: ['RS256', 'HS256'] },
          jwks: { description: 'Path of a JWKS file (RS256), relative to the suite file.', type: 'string', minLength: 1 },
          secret: { description: 'Shared secret (HS256).', type: 'string', minLength: 1 },
          issuer: { description: 'Expected iss claim.', type: 'string', minLength: 1 },
        },
      },
    },
  },
  async parse(a, ctx) {
    if (!ctx.consumers.some((c) => c.valid)) ctx.fail([], 'needs at least one consumer with a valid credential (under consumers:)', true);
    const auth: AuthPolicy = { reject: (a.reject as number[] | undefined) ?? [401, 403] };
    if (a.scheme !== undefined) auth.scheme = a.scheme as string;
    if (a.jwt) auth.jwt = await parseJwt(a.jwt as Record<string, unknown>, ctx);
    return auth;
  },
  againstSpec(policy, spec) {
    if (!policy.scheme || spec.securitySchemes[policy.scheme]) return undefined;
    const known = Object.keys(spec.securitySchemes);
    return { place: 'scheme', detail: `security scheme ${policy.scheme} is not in ${spec.file} (it has ${known.join(', ') || 'none'})` };
  },
};

async function parseJwt(j: Record<string, unknown>, ctx: Parameters<PolicySection['parse']>[1]): Promise<JwtSettings> {
  const jwt: JwtSettings = { alg: j.alg as JwtSettings['alg'] };
  if (jwt.alg === 'RS256') {
    if (j.jwks === undefined) ctx.fail(['jwt'], 'RS256 needs jwks (a JWKS file)', true);
    if (j.secret !== undefined) ctx.fail(['jwt', 'secret'], 'applies only to HS256', true);
    jwt.jwks = await ctx.file(['jwt', 'jwks'], j.jwks as string);
  } else {
    if (j.secret === undefined) ctx.fail(['jwt'], 'HS256 needs secret (the shared secret)', true);
    if (j.jwks !== undefined) ctx.fail(['jwt', 'jwks'], 'applies only to RS256', true);
    jwt.secret = j.secret as string;
  }
  if (j.issuer !== undefined) jwt.issuer = j.issuer as string;
  return jwt;
}
