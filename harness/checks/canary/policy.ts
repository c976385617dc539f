// policies.canary: the traffic of one upstream splits across its versions by
// the given weights, within a tolerance, judged with a stated false-alarm rate.

import type { PolicySection } from '../check.ts';

export interface CanaryPolicy {
  upstream: string;
  /** version -> weight (shares are weight / sum): `weights` (percentages) or `relativeWeights` as written. */
  weights: Record<string, number>;
  /** Absolute tolerance on each share, e.g. 0.05. */
  tolerance: number;
  /** False-alarm rate of the whole verdict. Default 1e-4. */
  alpha: number;
  /** Most requests the sequential test may send. Default 6400. */
  maxRequests: number;
}

declare module '../../model/policies.ts' {
  interface Policies {
    canary?: CanaryPolicy;
  }
}

declare module '../../model/features.ts' {
  interface FeatureMap {
    'canary.weights': true;
  }
}

const WEIGHTS = { type: 'object', minProperties: 1, additionalProperties: { type: 'number', minimum: 0 } };

export const canarySection: PolicySection<'canary'> = {
  schema: {
    description: 'Weighted traffic split between versions of one upstream, verified with a sequential test.',
    type: 'object',
    additionalProperties: false,
    required: ['upstream', 'tolerance'],
    properties: {
      upstream: { description: 'The upstream whose versions are split.', type: 'string', minLength: 1 },
      weights: { ...WEIGHTS, description: 'version -> percent of the traffic; they must sum to 100 (as in Istio).' },
      relativeWeights: { ...WEIGHTS, description: 'version -> relative weight; shares are weight / sum of weights (as Gateway API backendRefs).' },
      tolerance: { description: 'Absolute tolerance on each share, strictly between 0 and 1, e.g. 0.05.', type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
      alpha: { description: 'False-alarm rate of the whole verdict, strictly between 0 and 1. Default 1e-4.', type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
      maxRequests: { description: 'Most requests the sequential test may send. Default 6400.', type: 'integer', minimum: 1, maximum: 1_000_000 },
    },
  },
  parse(c, ctx) {
    const upstream = ctx.upstreams.find((u) => u.name === c.upstream);
    if (!upstream) return ctx.fail(['upstream'], `no upstream named ${c.upstream as string} (upstreams: ${ctx.upstreams.map((u) => u.name).join(', ')})`);
    if ((c.weights === undefined) === (c.relativeWeights === undefined)) ctx.fail([], 'give weights (percentages) or relativeWeights (proportions), one of them', true);
    const key = c.weights !== undefined ? 'weights' : 'relativeWeights';
    const weights = { ...(c[key] as Record<string, number>) };
    for (const version of Object.keys(weights)) {
      if (!upstream.versions.includes(version)) ctx.fail([key, version], `upstream ${upstream.name} has no version ${version} (versions: ${upstream.versions.join(', ')})`, true);
    }
    const values = Object.values(weights);
    const sum = values.reduce((a, b) => a + b, 0);
    if (!Number.isFinite(sum)) ctx.fail([key], 'weights must be finite numbers with a finite sum');
    if (!values.some((w) => w > 0)) ctx.fail([key], 'at least one weight must be positive');
    // Istio and Gateway API users read `weights` as percentages: 80/30 is a typo, not a 73/27 split.
    if (key === 'weights' && Math.abs(sum - 100) > 1e-9) ctx.fail([key], `percentages must sum to 100, they sum to ${sum} (for proportions, use relativeWeights)`);
    return {
      upstream: upstream.name,
      weights,
      tolerance: c.tolerance as number,
      alpha: (c.alpha as number | undefined) ?? 1e-4,
      maxRequests: (c.maxRequests as number | undefined) ?? 6400,
    };
  },
};
