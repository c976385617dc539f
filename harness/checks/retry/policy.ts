// policies.retry: a failed try with one of the given statuses (or a try
// slower than perTryTimeout) is retried `attempts` times, for the given methods only.

import { ALL_METHODS, type HttpMethod } from '../../model/spec.ts';
import type { PolicySection } from '../check.ts';

export interface RetryPolicy {
  /** Retries after the first try. */
  attempts: number;
  on: number[];
  methods: HttpMethod[];
  perTryTimeoutMs?: number;
}

declare module '../../model/policies.ts' {
  interface Policies {
    retry?: RetryPolicy;
  }
}

declare module '../../model/features.ts' {
  interface FeatureMap {
    'retry.status': true;
    'retry.methods': true;
    'retry.perTryTimeout': true;
  }
}

export const retrySection: PolicySection<'retry'> = {
  schema: {
    description: 'Retries: a failed try with one of the given statuses (or a timeout) is retried for the given methods.',
    type: 'object',
    additionalProperties: false,
    required: ['attempts', 'on'],
    properties: {
      attempts: { description: 'Retries after the first try.', type: 'integer', minimum: 0, maximum: 10 },
      on: { description: 'Upstream statuses that trigger a retry.', type: 'array', minItems: 1, uniqueItems: true, items: { $ref: '#/definitions/status' } },
      methods: {
        description: 'Methods that are retried (others must not be). Default [GET].',
        type: 'array',
        minItems: 1,
        uniqueItems: true,
        items: { type: 'string', enum: [...ALL_METHODS] },
      },
      perTryTimeout: { $ref: '#/definitions/duration', description: 'Time allowed for each try, e.g. 500ms; at most 60s.' },
    },
  },
  parse(r, ctx) {
    const retry: RetryPolicy = {
      attempts: r.attempts as number,
      on: r.on as number[],
      methods: (r.methods as HttpMethod[] | undefined) ?? ['GET'],
    };
    if (r.perTryTimeout !== undefined) {
      retry.perTryTimeoutMs = ctx.duration(['perTryTimeout'], r.perTryTimeout as string);
      // The check holds a try past it; bounded so a run stays short.
      if (retry.perTryTimeoutMs > 60_000) ctx.fail(['perTryTimeout'], `${r.perTryTimeout as string} is longer than 60s`);
    }
    return retry;
  },
};
