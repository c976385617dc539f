// policies.rateLimit: at most `limit` admitted requests per window, counted
// per consumer, per client IP or globally, on some operations or all.

import type { PolicySection } from '../check.ts';
import { unknownOperation } from '../shared/spec-refs.ts';

export interface RateLimitPolicy {
  limit: number;
  windowMs: number;
  by: 'consumer' | 'ip' | 'global';
  /** operationIds in scope; undefined = all operations. */
  operations?: string[];
  /** A Redis the gateway shares its counters in (Kong's rate-limiting policy redis); rendered for Kong only. */
  redis?: { host: string; port: number; database?: number };
}

declare module '../../model/policies.ts' {
  interface Policies {
    rateLimit?: RateLimitPolicy;
  }
}

declare module '../../model/features.ts' {
  interface FeatureMap {
    'rateLimit.consumer': true;
    'rateLimit.ip': true;
    'rateLimit.global': true;
  }
}

/** The longest window a suite may state. */
const MAX_WINDOW_MS = 86_400_000;

export const rateLimitSection: PolicySection<'rateLimit'> = {
  schema: {
    description: 'Rate limiting: at most limit requests per window, per consumer, per client IP or globally.',
    type: 'object',
    additionalProperties: false,
    required: ['limit', 'window', 'by'],
    properties: {
      limit: { description: 'Requests allowed per window, 1 to 1,000,000.', type: 'integer', minimum: 1, maximum: 1_000_000 },
      window: { $ref: '#/definitions/duration', description: 'The window, e.g. 1s or 1m; at most 24h.' },
      by: { description: 'What the limit is counted by.', type: 'string', enum: ['consumer', 'ip', 'global'] },
      operations: { $ref: '#/definitions/operationIds', description: 'operationIds in scope; absent: all operations.' },
      redis: {
        description: 'A Redis that the gateway keeps shared counters in (Kong rate-limiting policy: redis). Rendered for Kong; nginx and HAProxy count locally.',
        type: 'object',
        additionalProperties: false,
        required: ['host', 'port'],
        properties: { host: { type: 'string', minLength: 1 }, port: { type: 'integer', minimum: 1, maximum: 65535 }, database: { type: 'integer', minimum: 0 } },
      },
    },
  },
  parse(r, ctx) {
    if (r.by === 'consumer' && !ctx.consumers.some((c) => c.valid)) ctx.fail(['by'], 'consumer needs at least one consumer with a valid credential (under consumers:)');
    const windowMs = ctx.duration(['window'], r.window as string);
    // HAProxy keeps rates in 32-bit millisecond periods; a day is beyond any limiter a check can measure anyway.
    if (windowMs > MAX_WINDOW_MS) ctx.fail(['window'], `${r.window as string} is longer than 24h`);
    const rateLimit: RateLimitPolicy = { limit: r.limit as number, windowMs, by: r.by as RateLimitPolicy['by'] };
    if (r.operations) rateLimit.operations = r.operations as string[];
    if (r.redis) rateLimit.redis = { ...(r.redis as NonNullable<RateLimitPolicy['redis']>) };
    return rateLimit;
  },
  againstSpec: (policy, spec) => unknownOperation('operations', policy.operations, spec),
};
