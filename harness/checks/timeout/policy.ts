// policies.timeout: the longest the proxy waits for the upstream's answer to
// one request, all tries included; past it the client gets `status`.

import type { PolicySection } from '../check.ts';

/**
 * Request timeout: the longest the proxy waits for the upstream's answer to
 * one request, all tries included (Istio's VirtualService `timeout`, Envoy's
 * route timeout, Kong's service read_timeout); past it the client gets `status`.
 */
export interface TimeoutPolicy {
  requestMs: number;
  /** Statuses a timed-out request may get. Default [504]. */
  status: number[];
  /**
   * The upstream the timeout came from (an imported VirtualService's host): the
   * check drives one of its operations. Rendered configs apply the timeout to
   * every upstream (one timeout per suite).
   */
  upstream?: string;
}

declare module '../../model/policies.ts' {
  interface Policies {
    timeout?: TimeoutPolicy;
  }
}

declare module '../../model/features.ts' {
  interface FeatureMap {
    'timeout.request': true;
  }
}

export const timeoutSection: PolicySection<'timeout'> = {
  schema: {
    description:
      "Request timeout: the longest the proxy waits for the upstream's answer to one request, all tries included (Istio VirtualService timeout, Envoy route timeout, Kong service read_timeout, nginx proxy_read_timeout with proxy_next_upstream_timeout, HAProxy timeout server). Past it the client must get one of `status`.",
    type: 'object',
    additionalProperties: false,
    required: ['request'],
    properties: {
      request: { $ref: '#/definitions/duration', description: "The timeout, e.g. 2s (100ms to 30s, so the check's slow upstream stays bounded)." },
      status: { description: 'Statuses a timed-out request may get. Default [504].', type: 'array', minItems: 1, uniqueItems: true, items: { $ref: '#/definitions/status' } },
    },
  },
  parse(t, ctx) {
    const requestMs = ctx.duration(['request'], t.request as string);
    // Bounded so the check's slow upstream (a little past the timeout) stays short.
    if (requestMs < 100 || requestMs > 30_000) ctx.fail(['request'], `${t.request as string} is outside 100ms..30s`);
    return { requestMs, status: (t.status as number[] | undefined) ?? [504] };
  },
};
