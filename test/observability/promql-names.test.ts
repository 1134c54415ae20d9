import { describe, expect, it } from 'vitest';
import { familyOf, metricNamesOf, typedFamilies } from './promql-names.js';

describe('metric names in PromQL', () => {
  it('finds the selected metrics and nothing else', () => {
    const expr =
      'histogram_quantile(0.99, sum by (le) (rate(fleetcast_pub_duration_seconds_bucket{job="a b"}[$__rate_interval]))) / on (x) group_left(y) max(up offset 5m) > 1e-9 or vector(0) unless absent(node_cpu_seconds_total)';
    expect([...metricNamesOf(expr)].sort()).toEqual(['fleetcast_pub_duration_seconds_bucket', 'node_cpu_seconds_total', 'up']);
  });

  it('maps histogram series to their family and reads # TYPE lines', () => {
    const families = typedFamilies('# HELP a_seconds x\n# TYPE a_seconds histogram\na_seconds_bucket{le="1"} 0\n# TYPE b counter\n');
    expect([...families.keys()]).toEqual(['a_seconds', 'b']);
    expect(familyOf('a_seconds_bucket', new Set(families.keys()))).toBe('a_seconds');
    expect(familyOf('c_count', new Set(families.keys()))).toBe('c_count');
  });
});
