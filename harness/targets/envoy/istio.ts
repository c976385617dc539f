// Istio's defaults that an Istio-style sidecar carries and the Istio importer
// applies where a resource is silent.

/** istiod's default retry policy, applied to every HTTP route whose VirtualService has no `retries`. */
export const ISTIO_DEFAULT_RETRY = {
  attempts: 2,
  retryOn: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
  retriableStatusCodes: [503],
} as const;
