// policies.fault: faults the proxy injects itself, as Istio's fault.abort (it
// answers) and fault.delay (it holds the request), for requests that match.

import type { PolicySection } from '../check.ts';

/** A fault the proxy injects itself, as Istio's fault.abort (it answers) and fault.delay (it holds the request) do. */
export interface FaultRule {
  /** Operations of this upstream are in scope. */
  upstream: string;
  /** Request headers that select the faulted requests (all must match); none = every request. */
  headers: Array<{ name: string; exact?: string; prefix?: string; regex?: string }>;
  abort?: { status: number; percent: number };
  delay?: { fixedDelayMs: number; percent: number };
}

export interface FaultPolicy {
  rules: FaultRule[];
}

declare module '../../model/policies.ts' {
  interface Policies {
    fault?: FaultPolicy;
  }
}

declare module '../../model/features.ts' {
  interface FeatureMap {
    'fault.abort': true;
    'fault.delay': true;
  }
}

/** The longest delay the check drives (it waits out every delayed request). */
const MAX_DELAY_MS = 30_000;

const percent = (what: string) => ({ description: `Share of matching requests ${what}, 0..100. Default 100.`, type: 'number', minimum: 0, maximum: 100 });

export const faultSection: PolicySection<'fault'> = {
  schema: {
    description: 'Faults the proxy injects itself (Istio fault.abort and fault.delay): matching requests get the status without reaching the upstream, or reach it only after the delay.',
    type: 'object',
    additionalProperties: false,
    required: ['rules'],
    properties: {
      rules: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['upstream'],
          properties: {
            upstream: { description: 'Operations of this upstream are in scope.', type: 'string', minLength: 1 },
            headers: {
              description: 'Request headers that select the faulted requests (all must match).',
              type: 'array',
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['name'],
                properties: { name: { type: 'string', pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$" }, exact: { type: 'string' }, prefix: { type: 'string' }, regex: { type: 'string' } },
              },
            },
            abort: { type: 'object', additionalProperties: false, required: ['status'], properties: { status: { description: 'The status the proxy answers with, 200 to 599 (what Envoy\'s abort and HAProxy\'s http-request return take).', type: 'integer', minimum: 200, maximum: 599 }, percent: percent('aborted') } },
            delay: {
              type: 'object',
              additionalProperties: false,
              required: ['fixedDelay'],
              properties: {
                fixedDelay: { $ref: '#/definitions/duration', description: 'How long the proxy holds a matching request before forwarding it (up to 30s).' },
                percent: percent('delayed'),
              },
            },
          },
        },
      },
    },
  },
  parse(f, ctx) {
    const rules = (f.rules as Array<Record<string, unknown>>).map((r, i) => {
      if (!ctx.upstreams.some((u) => u.name === r.upstream)) ctx.fail(['rules', i, 'upstream'], `no upstream named ${r.upstream as string}`);
      if (r.abort === undefined && r.delay === undefined) ctx.fail(['rules', i], 'give abort, delay or both');
      const headers = (r.headers as Array<Record<string, unknown>> | undefined) ?? [];
      headers.forEach((h, j) => {
        if (typeof h.regex !== 'string') return;
        try {
          new RegExp(h.regex);
        } catch (err) {
          ctx.fail(['rules', i, 'headers', j, 'regex'], `not a regular expression: ${(err as Error).message}`);
        }
      });
      const rule: FaultRule = { upstream: r.upstream as string, headers: headers.map((h) => ({ ...(h as { name: string }), name: String(h.name).toLowerCase() })) };
      if (r.abort !== undefined) {
        const abort = r.abort as Record<string, unknown>;
        rule.abort = { status: abort.status as number, percent: (abort.percent as number | undefined) ?? 100 };
      }
      if (r.delay !== undefined) {
        const delay = r.delay as Record<string, unknown>;
        const where = ['rules', i, 'delay', 'fixedDelay'];
        const fixedDelayMs = ctx.duration(where, delay.fixedDelay as string);
        if (fixedDelayMs > MAX_DELAY_MS) ctx.fail(where, `${delay.fixedDelay as string} is over 30s`);
        rule.delay = { fixedDelayMs, percent: (delay.percent as number | undefined) ?? 100 };
      }
      return rule;
    });
    return { rules };
  },
};
