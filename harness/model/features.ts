// Features: what a check needs from a target and what a target's rendered
// config expresses, as in the Gateway API conformance suite. A check that
// needs a feature the target lacks is notSupported there.

export type Feature =
  | 'auth.apiKey'
  | 'auth.basic'
  | 'auth.bearer'
  | 'rateLimit.consumer'
  | 'rateLimit.ip'
  | 'rateLimit.global'
  | 'retry.status'
  | 'retry.methods'
  | 'retry.perTryTimeout'
  | 'canary.weights'
  | 'contract'
  | 'fault.abort'
  | 'fault.delay'
  | 'transform.headers'
  | 'timeout.request';
