// Features: what a check needs from a target and what a target's rendered
// config expresses, as in the Gateway API conformance suite. A check that
// needs a feature the target lacks is notSupported there.
//
// Each check declares its own features where it lives, by adding keys to
// FeatureMap (harness/checks/<name>/policy.ts):
//
//   declare module '../../model/features.ts' {
//     interface FeatureMap { 'retry.status': true }
//   }

// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface FeatureMap {}

/** A feature name, `<check>.<aspect>` ('auth.apiKey', 'retry.perTryTimeout', ...). */
export type Feature = keyof FeatureMap & string;
