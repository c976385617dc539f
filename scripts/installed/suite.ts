// The same suite in TypeScript: tsc checks it against the YAML's schema-derived type.
import { defineSuite } from 'proxyproof';

export default defineSuite({
  name: 'installed-ts',
  spec: 'openapi.yaml',
  upstreams: { petstore: {} },
  consumers: { alice: { apiKey: 'alice-key-5f2c8e' }, mallory: { apiKey: 'wrong-key', valid: false } },
  targets: { haproxy: { render: true } },
  policies: { auth: { scheme: 'ApiKeyAuth' } },
});
