// Istio's defaults that an Istio-style sidecar carries and the Istio importer
// applies where a resource is silent.

/**
 * istiod's default retry policy, applied to every HTTP route whose VirtualService has no `retries`
 * (istio pilot/pkg/networking/core/route/retry/retry.go). The retriable status code 503 is that of
 * Istio 1.23 and earlier: 1.24+ leave it out (EXCLUDE_UNSAFE_503_FROM_DEFAULT_RETRY, default true),
 * 1.27+ have none (docs/targets/envoy.md §10); the importer says so in a note. None of the retryOn
 * conditions retries a try that outlived its per-try timeout (§10).
 */
export const ISTIO_DEFAULT_RETRY = {
  attempts: 2,
  retryOn: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
  retriableStatusCodes: [503],
} as const;
