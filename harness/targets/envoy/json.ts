// Small pieces every part of the Envoy render writes: JSON objects, Durations,
// cluster names in Istio's form, and typed Any values.

export type J = Record<string, unknown>;

/** A protobuf Duration as JSON: seconds with up to three decimals ("0.5s", "2s"). */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3).replace(/\.?0+$/, '')}s`;
}

/** Istio's outbound cluster name for a subset: outbound|80|<subset>|<host>. */
export function clusterName(upstream: string, version: string): string {
  return `outbound|80|${version}|${upstream}`;
}

/** A google.protobuf.Any of the given Envoy type. */
export function any(type: string, value: J): J {
  return { '@type': `type.googleapis.com/${type}`, ...value };
}
