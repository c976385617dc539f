// The shape of a suite as written (YAML, or a .ts file's defineSuite): generated from
// suite-schema.json by scripts/write-suite-types.ts; do not edit by hand.

/**
 * One mock upstream.
 */
export type Upstream = {
  /**
   * Versions served side by side (canary targets them by name). Default [v1].
   *
   * @minItems 1
   */
  versions?: [string, ...string[]];
  /**
   * Replicas per version. Default 1.
   */
  replicas?: number;
  operations?: OperationIds;
} | null;
/**
 * operationIds this upstream serves; absent: every operation no other upstream claims.
 *
 * @minItems 1
 */
export type OperationIds = [string, ...string[]];
/**
 * A consumer and its credential: exactly one of apiKey, bearer or basic.
 */
export type Consumer = {
  /**
   * An API key, sent where the spec's apiKey scheme says (header, query or cookie).
   */
  apiKey?: string;
  /**
   * A bearer token (e.g. a JWT), sent as Authorization: Bearer <token>.
   */
  bearer?: string;
  /**
   * HTTP basic credentials.
   */
  basic?: {
    /**
     * User name.
     */
    user: string;
    /**
     * Password.
     */
    password: string;
  };
  /**
   * false: a credential the proxy must reject (a wrong key, a forged token). Default true.
   */
  valid?: boolean;
} | null;
/**
 * A proxy of this kind: exactly one of config or render.
 */
export type Target = {
  /**
   * Path of your own proxy config with proxyproof placeholders, relative to the suite file.
   */
  config?: string;
  /**
   * true: proxyproof renders the config from the policies.
   */
  render?: boolean;
  /**
   * Balancing in a rendered config: roundrobin (smooth weighted) or random.
   */
  balance?: "roundrobin" | "random";
  /**
   * Container image for --runtime container (default: the pinned official image of this kind).
   */
  image?: string;
} | null;
/**
 * An HTTP status code.
 */
export type Status = number;
/**
 * Contract: responses through the proxy must match the spec.
 */
export type Contract = {
  operations?: OperationIds1;
} | null;
/**
 * operationIds to exercise; absent: all.
 *
 * @minItems 1
 */
export type OperationIds1 = [string, ...string[]];
/**
 * operationIds in scope; absent: all operations.
 *
 * @minItems 1
 */
export type OperationIds2 = [string, ...string[]];

/**
 * A proxyproof suite: an OpenAPI spec, mock upstreams, consumers, the proxies to test and the policies they must enforce. Relative paths are relative to the suite file.
 */
export interface ProxyproofSuite {
  /**
   * The JSON Schema this file follows (for editors); ignored by proxyproof.
   */
  $schema?: string;
  /**
   * Suite name, shown in reports (junit testsuite names, the HTML matrix).
   */
  name: string;
  /**
   * The OpenAPI document (2.0, 3.0 or 3.1), relative to the suite file: its path, or { file, allowRemoteRefs, allowDirs }. Its $refs may name local files under its own folder (and under allowDirs) only; remote $refs only with allowRemoteRefs, and never to a private or loopback-mapped address.
   */
  spec:
    | string
    | {
        /**
         * Path of the OpenAPI document, relative to the suite file.
         */
        file: string;
        /**
         * Let $refs fetch http(s) URLs (public addresses only). Default false.
         */
        allowRemoteRefs?: boolean;
        /**
         * More folders (relative to the suite file) whose files $refs may name.
         */
        allowDirs?: string[];
      };
  /**
   * Mock upstreams generated from the spec, by name. Each serves every version with the given number of replicas.
   */
  upstreams: {
    [k: string]: Upstream | undefined;
  };
  /**
   * API consumers by name, each with exactly one credential. valid: false marks a credential the proxy must reject.
   */
  consumers?: {
    [k: string]: Consumer | undefined;
  } | null;
  /**
   * Proxies to test, by kind (nginx, haproxy, kong, envoy). Each takes either the user's config (config) or a config rendered from the policies (render: true).
   */
  targets: {
    [k: string]: Target | undefined;
  };
  /**
   * The policies the proxies must enforce; each one present turns on its check.
   */
  policies?: {
    auth?: Auth;
    contract?: Contract;
    transform?: Transform;
    retry?: Retry;
    timeout?: Timeout;
    canary?: Canary;
    routing?: Routing;
    fault?: Fault;
    rateLimit?: RateLimit;
    /**
     * Policy sources imported as expectations: Istio YAML (VirtualService, DestinationRule, RequestAuthentication, AuthorizationPolicy, EnvoyFilter local_ratelimit), Gateway API HTTPRoute, or Kong declarative config (decK). Paths relative to the suite file. Policies given here explicitly win; what cannot be expressed is listed in the report.
     *
     * @minItems 1
     */
    from?: [string, ...string[]];
  } | null;
  /**
   * Routes, first match wins (as in Istio and Gateway API). Each sends the requests it matches to its destination, and scopes its own policies to them. Top-level policies stay the defaults.
   *
   * @minItems 1
   */
  routes?: [
    {
      name: string;
      /**
       * Host header values the route serves (default any); requests carry the first.
       */
      hosts?: string[];
      /**
       * All of these must hold for the match to hold. An empty match holds for every request.
       */
      match?: {
        /**
         * exact, prefix (a string prefix, Istio's uri.prefix), pathPrefix (whole path elements, Gateway API's PathPrefix) or regex (matched whole); ignoreCase for exact and prefix (Istio's ignoreUriCase).
         */
        path?: {
          exact?: string;
          prefix?: string;
          pathPrefix?: string;
          regex?: string;
          ignoreCase?: boolean;
        };
        /**
         * A method, or a list of them.
         */
        method?:
          | ("GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH" | "TRACE")
          | [
              "GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH" | "TRACE",
              ...("GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH" | "TRACE")[]
            ];
        /**
         * Header name -> exact, prefix or regex (matched whole), or present: true / absent: true. Names are matched ignoring case, values exactly.
         */
        headers?: {
          [k: string]:
            | {
                exact?: string;
                prefix?: string;
                regex?: string;
                present?: true;
                absent?: true;
              }
            | undefined;
        };
        /**
         * Query parameter name -> exact or regex (matched whole), or present: true. Names are case-sensitive.
         */
        query?: {
          [k: string]:
            | {
                exact?: string;
                regex?: string;
                present?: true;
              }
            | undefined;
        };
      };
      /**
       * Several matches; any one holding is enough.
       *
       * @minItems 1
       *
       * Items: All of these must hold for the match to hold. An empty match holds for every request.
       */
      matches?: [
        {
          /**
           * exact, prefix (a string prefix, Istio's uri.prefix), pathPrefix (whole path elements, Gateway API's PathPrefix) or regex (matched whole); ignoreCase for exact and prefix (Istio's ignoreUriCase).
           */
          path?: {
            exact?: string;
            prefix?: string;
            pathPrefix?: string;
            regex?: string;
            ignoreCase?: boolean;
          };
          /**
           * A method, or a list of them.
           */
          method?:
            | ("GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH" | "TRACE")
            | [
                "GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH" | "TRACE",
                ...("GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH" | "TRACE")[]
              ];
          /**
           * Header name -> exact, prefix or regex (matched whole), or present: true / absent: true. Names are matched ignoring case, values exactly.
           */
          headers?: {
            [k: string]:
              | {
                  exact?: string;
                  prefix?: string;
                  regex?: string;
                  present?: true;
                  absent?: true;
                }
              | undefined;
          };
          /**
           * Query parameter name -> exact or regex (matched whole), or present: true. Names are case-sensitive.
           */
          query?: {
            [k: string]:
              | {
                  exact?: string;
                  regex?: string;
                  present?: true;
                }
              | undefined;
          };
        },
        ...{
          /**
           * exact, prefix (a string prefix, Istio's uri.prefix), pathPrefix (whole path elements, Gateway API's PathPrefix) or regex (matched whole); ignoreCase for exact and prefix (Istio's ignoreUriCase).
           */
          path?: {
            exact?: string;
            prefix?: string;
            pathPrefix?: string;
            regex?: string;
            ignoreCase?: boolean;
          };
          /**
           * A method, or a list of them.
           */
          method?:
            | ("GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH" | "TRACE")
            | [
                "GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH" | "TRACE",
                ...("GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH" | "TRACE")[]
              ];
          /**
           * Header name -> exact, prefix or regex (matched whole), or present: true / absent: true. Names are matched ignoring case, values exactly.
           */
          headers?: {
            [k: string]:
              | {
                  exact?: string;
                  prefix?: string;
                  regex?: string;
                  present?: true;
                  absent?: true;
                }
              | undefined;
          };
          /**
           * Query parameter name -> exact or regex (matched whole), or present: true. Names are case-sensitive.
           */
          query?: {
            [k: string]:
              | {
                  exact?: string;
                  regex?: string;
                  present?: true;
                }
              | undefined;
          };
        }[]
      ];
      to: {
        upstream: string;
        /**
         * Every request to this version (plain routing).
         */
        version?: string;
        /**
         * version -> percentage, summing to 100.
         */
        weights?: {
          [k: string]: number | undefined;
        };
        /**
         * Absolute tolerance on each share. Default 0.05.
         */
        tolerance?: number;
        /**
         * False-alarm rate of the route's verdict. Default 1e-4.
         */
        alpha?: number;
      };
      /**
       * What the upstream sees: the matched prefix replaced by `prefix`, or the whole path replaced by `full`.
       */
      rewrite?: {
        prefix?: string;
        full?: string;
      };
      retry?: Retry1;
      timeout?: Timeout1;
      /**
       * A fault on this route: abort and/or delay, as in policies.fault rules (the route selects the requests).
       */
      fault?: {
        abort?: {
          /**
           * The status the proxy answers with, 200 to 599 (what Envoy's abort and HAProxy's http-request return take).
           */
          status: number;
          /**
           * Share of matching requests aborted, 0..100. Default 100.
           */
          percent?: number;
        };
        delay?: {
          /**
           * How long the proxy holds a matching request before forwarding it (up to 30s).
           */
          fixedDelay: string;
          /**
           * Share of matching requests delayed, 0..100. Default 100.
           */
          percent?: number;
        };
      };
      transform?: Transform1;
      rateLimit?: RateLimit1;
    },
    ...{
      name: string;
      /**
       * Host header values the route serves (default any); requests carry the first.
       */
      hosts?: string[];
      /**
       * All of these must hold for the match to hold. An empty match holds for every request.
       */
      match?: {
        /**
         * exact, prefix (a string prefix, Istio's uri.prefix), pathPrefix (whole path elements, Gateway API's PathPrefix) or regex (matched whole); ignoreCase for exact and prefix (Istio's ignoreUriCase).
         */
        path?: {
          exact?: string;
          prefix?: string;
          pathPrefix?: string;
          regex?: string;
          ignoreCase?: boolean;
        };
        /**
         * A method, or a list of them.
         */
        method?:
          | ("GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH" | "TRACE")
          | [
              "GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH" | "TRACE",
              ...("GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH" | "TRACE")[]
            ];
        /**
         * Header name -> exact, prefix or regex (matched whole), or present: true / absent: true. Names are matched ignoring case, values exactly.
         */
        headers?: {
          [k: string]:
            | {
                exact?: string;
                prefix?: string;
                regex?: string;
                present?: true;
                absent?: true;
              }
            | undefined;
        };
        /**
         * Query parameter name -> exact or regex (matched whole), or present: true. Names are case-sensitive.
         */
        query?: {
          [k: string]:
            | {
                exact?: string;
                regex?: string;
                present?: true;
              }
            | undefined;
        };
      };
      /**
       * Several matches; any one holding is enough.
       *
       * @minItems 1
       *
       * Items: All of these must hold for the match to hold. An empty match holds for every request.
       */
      matches?: [
        {
          /**
           * exact, prefix (a string prefix, Istio's uri.prefix), pathPrefix (whole path elements, Gateway API's PathPrefix) or regex (matched whole); ignoreCase for exact and prefix (Istio's ignoreUriCase).
           */
          path?: {
            exact?: string;
            prefix?: string;
            pathPrefix?: string;
            regex?: string;
            ignoreCase?: boolean;
          };
          /**
           * A method, or a list of them.
           */
          method?:
            | ("GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH" | "TRACE")
            | [
                "GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH" | "TRACE",
                ...("GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH" | "TRACE")[]
              ];
          /**
           * Header name -> exact, prefix or regex (matched whole), or present: true / absent: true. Names are matched ignoring case, values exactly.
           */
          headers?: {
            [k: string]:
              | {
                  exact?: string;
                  prefix?: string;
                  regex?: string;
                  present?: true;
                  absent?: true;
                }
              | undefined;
          };
          /**
           * Query parameter name -> exact or regex (matched whole), or present: true. Names are case-sensitive.
           */
          query?: {
            [k: string]:
              | {
                  exact?: string;
                  regex?: string;
                  present?: true;
                }
              | undefined;
          };
        },
        ...{
          /**
           * exact, prefix (a string prefix, Istio's uri.prefix), pathPrefix (whole path elements, Gateway API's PathPrefix) or regex (matched whole); ignoreCase for exact and prefix (Istio's ignoreUriCase).
           */
          path?: {
            exact?: string;
            prefix?: string;
            pathPrefix?: string;
            regex?: string;
            ignoreCase?: boolean;
          };
          /**
           * A method, or a list of them.
           */
          method?:
            | ("GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH" | "TRACE")
            | [
                "GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH" | "TRACE",
                ...("GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH" | "TRACE")[]
              ];
          /**
           * Header name -> exact, prefix or regex (matched whole), or present: true / absent: true. Names are matched ignoring case, values exactly.
           */
          headers?: {
            [k: string]:
              | {
                  exact?: string;
                  prefix?: string;
                  regex?: string;
                  present?: true;
                  absent?: true;
                }
              | undefined;
          };
          /**
           * Query parameter name -> exact or regex (matched whole), or present: true. Names are case-sensitive.
           */
          query?: {
            [k: string]:
              | {
                  exact?: string;
                  regex?: string;
                  present?: true;
                }
              | undefined;
          };
        }[]
      ];
      to: {
        upstream: string;
        /**
         * Every request to this version (plain routing).
         */
        version?: string;
        /**
         * version -> percentage, summing to 100.
         */
        weights?: {
          [k: string]: number | undefined;
        };
        /**
         * Absolute tolerance on each share. Default 0.05.
         */
        tolerance?: number;
        /**
         * False-alarm rate of the route's verdict. Default 1e-4.
         */
        alpha?: number;
      };
      /**
       * What the upstream sees: the matched prefix replaced by `prefix`, or the whole path replaced by `full`.
       */
      rewrite?: {
        prefix?: string;
        full?: string;
      };
      retry?: Retry1;
      timeout?: Timeout1;
      /**
       * A fault on this route: abort and/or delay, as in policies.fault rules (the route selects the requests).
       */
      fault?: {
        abort?: {
          /**
           * The status the proxy answers with, 200 to 599 (what Envoy's abort and HAProxy's http-request return take).
           */
          status: number;
          /**
           * Share of matching requests aborted, 0..100. Default 100.
           */
          percent?: number;
        };
        delay?: {
          /**
           * How long the proxy holds a matching request before forwarding it (up to 30s).
           */
          fixedDelay: string;
          /**
           * Share of matching requests delayed, 0..100. Default 100.
           */
          percent?: number;
        };
      };
      transform?: Transform1;
      rateLimit?: RateLimit1;
    }[]
  ];
  /**
   * How policies.from is imported.
   */
  import?: {
    /**
     * true: any field of an imported resource that proxyproof names as not checked is an input error (exit 2, naming the resource and field), as `validate --strict` and `run --strict` do. Default false.
     */
    strict?: boolean;
    /**
     * Where an imported backend goes: a Gateway API backendRef's name (or a VirtualService destination host without a subset) -> an upstream of the suite and one of its versions. Without an entry, a backend named like a version of an upstream is that version, and one named like an upstream reaches each of its versions alike.
     */
    backends?: {
      [k: string]:
        | {
            upstream: string;
            version: string;
          }
        | undefined;
    };
  };
  /**
   * Load scenarios and thresholds for `proxyproof load` (k6 vocabulary: executors, rate, timeUnit, duration; thresholds such as http_req_duration: ['p(99)<50']).
   */
  load?: {
    scenarios?: {
      [k: string]: LoadScenario | undefined;
    };
    /**
     * metric or metric{tag:value} -> expressions such as 'p(95)<20', 'rate<0.001', or { threshold, abortOnFail, delayAbortEval }. Checked by the threshold grammar (harness/load/thresholds.ts).
     */
    thresholds?: {};
    /**
     * Connections are opened and driven this long before recording (not counted). Default 1s.
     */
    warmup?: string;
    /**
     * A request without a response after this long is a timeout. Default 10s.
     */
    timeout?: string;
    /**
     * Also drive the mock upstreams directly, interleaved, to measure what the proxy adds. Default true.
     */
    overhead?: boolean;
    /**
     * Policies to prove under load; default every one the suite sets.
     */
    policies?: ("rateLimit" | "retry" | "canary")[];
  };
}
/**
 * Authentication: requests without a valid credential must be rejected, valid ones let through.
 */
export interface Auth {
  /**
   * Name of a securityScheme in the spec; absent: the spec's own security requirements.
   */
  scheme?: string;
  /**
   * Statuses that count as a rejection. Default [401, 403].
   *
   * @minItems 1
   */
  reject?: [Status, ...Status[]];
  /**
   * How bearer tokens are verified: RS256 with a JWKS file, or HS256 with a shared secret.
   */
  jwt?: {
    /**
     * Signature algorithm.
     */
    alg: "RS256" | "HS256";
    /**
     * Path of a JWKS file (RS256), relative to the suite file.
     */
    jwks?: string;
    /**
     * Shared secret (HS256).
     */
    secret?: string;
    /**
     * Expected iss claim.
     */
    issuer?: string;
  };
}
/**
 * Request transformation the proxy applies before the upstream (Kong request-transformer, nginx proxy_set_header, HAProxy http-request set-header/del-header, Envoy request_headers_to_add/remove).
 */
export interface Transform {
  request: {
    /**
     * Header name -> value the upstream must see, whatever the client sent.
     */
    setHeaders?: {
      [k: string]: string | undefined;
    };
    /**
     * Headers the upstream must never see.
     *
     * @minItems 1
     */
    removeHeaders?: [string, ...string[]];
  };
}
/**
 * Retries: a failed try with one of the given statuses (or a timeout) is retried for the given methods.
 */
export interface Retry {
  /**
   * Retries after the first try.
   */
  attempts: number;
  /**
   * Upstream statuses that trigger a retry.
   *
   * @minItems 1
   */
  on: [Status, ...Status[]];
  /**
   * Methods that are retried (others must not be). Default [GET].
   *
   * @minItems 1
   */
  methods?: [
    "GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH" | "TRACE",
    ...("GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH" | "TRACE")[]
  ];
  /**
   * Time allowed for each try, e.g. 500ms; at most 60s.
   */
  perTryTimeout?: string;
}
/**
 * Request timeout: the longest the proxy waits for the upstream's answer to one request, all tries included (Istio VirtualService timeout, Envoy route timeout, Kong service read_timeout, nginx proxy_read_timeout with proxy_next_upstream_timeout, HAProxy timeout server). Past it the client must get one of `status`.
 */
export interface Timeout {
  /**
   * The timeout, e.g. 2s (100ms to 30s, so the check's slow upstream stays bounded).
   */
  request: string;
  /**
   * Statuses a timed-out request may get. Default [504].
   *
   * @minItems 1
   */
  status?: [Status, ...Status[]];
}
/**
 * Weighted traffic split between versions of one upstream, verified with a sequential test.
 */
export interface Canary {
  /**
   * The upstream whose versions are split.
   */
  upstream: string;
  /**
   * version -> percent of the traffic; they must sum to 100 (as in Istio).
   */
  weights?: {
    [k: string]: number | undefined;
  };
  /**
   * version -> relative weight; shares are weight / sum of weights (as Gateway API backendRefs).
   */
  relativeWeights?: {
    [k: string]: number | undefined;
  };
  /**
   * Absolute tolerance on each share, strictly between 0 and 1, e.g. 0.05.
   */
  tolerance: number;
  /**
   * False-alarm rate of the whole verdict, strictly between 0 and 1. Default 1e-4.
   */
  alpha?: number;
  /**
   * Most requests the sequential test may send. Default 6400.
   */
  maxRequests?: number;
}
/**
 * Settings of the routing check. The routes themselves are under the top-level routes: (or imported with policies.from).
 */
export interface Routing {
  /**
   * Also send requests that just miss each match (the header in another case, a longer value, absent, a path just outside a prefix, other methods) and expect the route that must take them. Default true.
   */
  nearMisses?: boolean;
  /**
   * Requests per near miss and per plain-routing match; every one must land right. Default 4.
   */
  requestsPerCase?: number;
  /**
   * Most requests a split route's sequential test may send. Default 6400.
   */
  maxRequests?: number;
}
/**
 * Faults the proxy injects itself (Istio fault.abort and fault.delay): matching requests get the status without reaching the upstream, or reach it only after the delay.
 */
export interface Fault {
  /**
   * @minItems 1
   */
  rules: [
    {
      /**
       * Operations of this upstream are in scope.
       */
      upstream: string;
      /**
       * Request headers that select the faulted requests (all must match).
       */
      headers?: {
        name: string;
        exact?: string;
        prefix?: string;
        regex?: string;
      }[];
      abort?: {
        /**
         * The status the proxy answers with, 200 to 599 (what Envoy's abort and HAProxy's http-request return take).
         */
        status: number;
        /**
         * Share of matching requests aborted, 0..100. Default 100.
         */
        percent?: number;
      };
      delay?: {
        /**
         * How long the proxy holds a matching request before forwarding it (up to 30s).
         */
        fixedDelay: string;
        /**
         * Share of matching requests delayed, 0..100. Default 100.
         */
        percent?: number;
      };
    },
    ...{
      /**
       * Operations of this upstream are in scope.
       */
      upstream: string;
      /**
       * Request headers that select the faulted requests (all must match).
       */
      headers?: {
        name: string;
        exact?: string;
        prefix?: string;
        regex?: string;
      }[];
      abort?: {
        /**
         * The status the proxy answers with, 200 to 599 (what Envoy's abort and HAProxy's http-request return take).
         */
        status: number;
        /**
         * Share of matching requests aborted, 0..100. Default 100.
         */
        percent?: number;
      };
      delay?: {
        /**
         * How long the proxy holds a matching request before forwarding it (up to 30s).
         */
        fixedDelay: string;
        /**
         * Share of matching requests delayed, 0..100. Default 100.
         */
        percent?: number;
      };
    }[]
  ];
}
/**
 * Rate limiting: at most limit requests per window, per consumer, per client IP or globally.
 */
export interface RateLimit {
  /**
   * Requests allowed per window, 1 to 1,000,000.
   */
  limit: number;
  /**
   * The window, e.g. 1s or 1m; at most 24h.
   */
  window: string;
  /**
   * What the limit is counted by.
   */
  by: "consumer" | "ip" | "global";
  operations?: OperationIds2;
  /**
   * A Redis that the gateway keeps shared counters in (Kong rate-limiting policy: redis). Rendered for Kong; nginx and HAProxy count locally.
   */
  redis?: {
    host: string;
    port: number;
    database?: number;
  };
}
/**
 * Retries: a failed try with one of the given statuses (or a timeout) is retried for the given methods.
 */
export interface Retry1 {
  /**
   * Retries after the first try.
   */
  attempts: number;
  /**
   * Upstream statuses that trigger a retry.
   *
   * @minItems 1
   */
  on: [Status, ...Status[]];
  /**
   * Methods that are retried (others must not be). Default [GET].
   *
   * @minItems 1
   */
  methods?: [
    "GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH" | "TRACE",
    ...("GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH" | "TRACE")[]
  ];
  /**
   * Time allowed for each try, e.g. 500ms; at most 60s.
   */
  perTryTimeout?: string;
}
/**
 * Request timeout: the longest the proxy waits for the upstream's answer to one request, all tries included (Istio VirtualService timeout, Envoy route timeout, Kong service read_timeout, nginx proxy_read_timeout with proxy_next_upstream_timeout, HAProxy timeout server). Past it the client must get one of `status`.
 */
export interface Timeout1 {
  /**
   * The timeout, e.g. 2s (100ms to 30s, so the check's slow upstream stays bounded).
   */
  request: string;
  /**
   * Statuses a timed-out request may get. Default [504].
   *
   * @minItems 1
   */
  status?: [Status, ...Status[]];
}
/**
 * Request transformation the proxy applies before the upstream (Kong request-transformer, nginx proxy_set_header, HAProxy http-request set-header/del-header, Envoy request_headers_to_add/remove).
 */
export interface Transform1 {
  request: {
    /**
     * Header name -> value the upstream must see, whatever the client sent.
     */
    setHeaders?: {
      [k: string]: string | undefined;
    };
    /**
     * Headers the upstream must never see.
     *
     * @minItems 1
     */
    removeHeaders?: [string, ...string[]];
  };
}
/**
 * Rate limiting: at most limit requests per window, per consumer, per client IP or globally.
 */
export interface RateLimit1 {
  /**
   * Requests allowed per window, 1 to 1,000,000.
   */
  limit: number;
  /**
   * The window, e.g. 1s or 1m; at most 24h.
   */
  window: string;
  /**
   * What the limit is counted by.
   */
  by: "consumer" | "ip" | "global";
  operations?: OperationIds2;
  /**
   * A Redis that the gateway keeps shared counters in (Kong rate-limiting policy: redis). Rendered for Kong; nginx and HAProxy count locally.
   */
  redis?: {
    host: string;
    port: number;
    database?: number;
  };
}
export interface LoadScenario {
  executor: "constant-arrival-rate" | "ramping-arrival-rate" | "constant-vus";
  rate?: number;
  timeUnit?: string;
  duration?: string;
  startRate?: number;
  /**
   * @minItems 1
   */
  stages?: [
    {
      target: number;
      duration: string;
    },
    ...{
      target: number;
      duration: string;
    }[]
  ];
  vus?: number;
  preAllocatedVUs?: number;
  maxVUs?: number;
  /**
   * operationIds (equal weights) or operationId -> weight.
   */
  operations?:
    | [string, ...string[]]
    | {
        [k: string]: number | undefined;
      };
  /**
   * @minItems 1
   */
  consumers?: [string, ...string[]];
}

/** A suite as written: what defineSuite() takes and a .ts suite file exports. */
export type SuiteInput = ProxyproofSuite;
