// What a threshold is measured against: a k6-style aggregation of one metric
// over what the engine recorded (proxied or direct path) and the overhead.

import type { LoadRun, Threshold } from '../model/load-report.ts';
import type { Measured } from './overhead.ts';
import type { Recorder } from './recorder.ts';
import type { MetricSource } from './thresholds.ts';

/** A threshold's aggregation over what was measured (undefined: not measured). */
export function metricSource(m: Measured, overhead: LoadRun['overhead'] | undefined): MetricSource {
  return (t: Threshold) => {
    const rec: Recorder | undefined = t.tags.path === 'direct' ? m.direct : m.proxied;
    if (!rec) return undefined;
    const trend = (h: Recorder['latency'] | undefined) => {
      if (!h) return undefined;
      switch (t.aggregation) {
        case 'avg': return h.avg;
        case 'min': return h.min;
        case 'max': return h.max;
        case 'med': return h.percentile(50);
        case 'p': return h.percentile(t.percentile!);
        case 'count': return h.count;
        default: return undefined;
      }
    };
    const o = rec.outcomes;
    const secs = rec.elapsedMs / 1000;
    switch (t.metric) {
      case 'http_req_duration':
        if (t.tags.status) return undefined;
        return trend(t.tags.operation ? rec.byOperation.get(t.tags.operation) : rec.latency);
      case 'http_req_service': return t.tags.operation || t.tags.status ? undefined : trend(rec.service);
      case 'scheduling_lag': return trend(rec.lag);
      case 'http_req_failed': return t.tags.operation || t.tags.status ? undefined : rec.failedRate();
      case 'http_reqs': {
        if (t.tags.operation) return t.aggregation === 'count' ? rec.byOperation.get(t.tags.operation)?.count ?? 0 : undefined;
        const n = t.tags.status ? rec.statusCodes.get(Number(t.tags.status)) ?? 0 : o['1xx'] + o['2xx'] + o['3xx'] + o['4xx'] + o['5xx'];
        return t.aggregation === 'count' ? n : secs > 0 ? n / secs : 0;
      }
      case 'iterations': return t.aggregation === 'count' ? o.scheduled : rec.scheduledRate();
      case 'dropped_iterations': return t.aggregation === 'count' ? o.notSent : secs > 0 ? o.notSent / secs : 0;
      case 'proxy_overhead_p50': return overhead?.p50;
      case 'proxy_overhead_p90': return overhead?.p90;
      case 'proxy_overhead_p99': return overhead?.p99;
      case 'throughput_ratio': return overhead?.throughputRatio;
    }
  };
}
