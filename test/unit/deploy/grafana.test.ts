import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPrometheusMetrics, SDK_METRIC_NAMES } from '../../../adapters/metrics/prometheus.js';
import { REPO_ROOT } from '../../../scripts/render-manifests.js';

interface Panel {
  type: string;
  title: string;
  datasource?: { uid: string };
  targets?: { expr: string }[];
}
interface Dashboard {
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; query: string | { query: string } }[] };
}

const dashboard = JSON.parse(
  readFileSync(join(REPO_ROOT, 'deploy', 'grafana', 'karpenter-temporal.json'), 'utf8')
) as Dashboard;

/** Every PromQL expression of the dashboard: panel targets and template variable queries. */
function expressions(): { where: string; expr: string }[] {
  const fromPanels = dashboard.panels.flatMap((panel) =>
    (panel.targets ?? []).map((t) => ({ where: `panel "${panel.title}"`, expr: t.expr }))
  );
  const fromVariables = dashboard.templating.list
    .filter((v) => v.name !== 'datasource')
    .map((v) => ({ where: `variable $${v.name}`, expr: typeof v.query === 'string' ? v.query : v.query.query }));
  return [...fromPanels, ...fromVariables];
}

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
]);

/**
 * The metric names an expression reads. PromQL is small enough to strip to them: drop strings, label matchers,
 * range selectors and the label lists of `by (...)` and friends, then every identifier not called as a function
 * and not a keyword names a series.
 */
function seriesNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ')
    .replace(/(^|[^\w:])\d[\w.]*/g, '$1 '); // numbers and durations (0.99, 5m)
  const names: string[] = [];
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const name = match[0];
    const next = stripped.slice(match.index + name.length).trimStart();
    if (next.startsWith('(') || KEYWORDS.has(name)) continue;
    names.push(name);
  }
  return names;
}

describe('the Grafana dashboard', () => {
  const registered = createPrometheusMetrics()
    .registry.getMetricsAsArray()
    .flatMap((metric) => {
      const type = (metric as unknown as { type: string }).type;
      // Histograms are read through their _bucket, _sum and _count series.
      return type === 'histogram'
        ? [`${metric.name}_bucket`, `${metric.name}_sum`, `${metric.name}_count`]
        : [metric.name];
    });
  const sdk = SDK_METRIC_NAMES.flatMap((name) => [name, `${name}_bucket`, `${name}_sum`, `${name}_count`]);
  const known = new Set([...registered, ...sdk]);

  it('should read the series the tests need to find (sanity of the parser)', () => {
    expect(
      seriesNames(
        'histogram_quantile(0.9, sum by (le, method) (rate(karpenter_cloudprovider_duration_seconds_bucket{method="Create"}[$__rate_interval])))'
      )
    ).toEqual(['karpenter_cloudprovider_duration_seconds_bucket']);
    expect(seriesNames('label_values(karpenter_temporal_cluster_cost_dollars_per_hour, nodepool)')).toEqual([
      'karpenter_temporal_cluster_cost_dollars_per_hour',
      'nodepool',
    ]);
    expect(seriesNames('max(a_metric) / on (nodepool) group_left max by (x) (b_metric offset 5m)')).toEqual([
      'a_metric',
      'b_metric',
    ]);
  });

  it('should name in every PromQL expression only series the worker registers or the SDK core exports', () => {
    const unknown: string[] = [];
    for (const { where, expr } of expressions()) {
      // label_values(metric, label): its second argument is a label, not a series.
      const names = expr.startsWith('label_values(') ? seriesNames(expr).slice(0, 1) : seriesNames(expr);
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) if (!known.has(name)) unknown.push(`${where}: ${name}`);
    }
    expect(unknown).toEqual([]);
  });

  it('should show nodes by pool, instance type and capacity type, pending pods, latency, disruption and $/h', () => {
    const all = expressions()
      .map((e) => e.expr)
      .join('\n');
    for (const needle of [
      'sum by (nodepool)',
      'sum by (instance_type)',
      'sum by (capacity_type)',
      'karpenter_temporal_pods_pending',
      'karpenter_pods_startup_duration_seconds_bucket',
      'karpenter_scheduler_scheduling_duration_seconds_bucket',
      'karpenter_voluntary_disruption_decisions_total',
      'karpenter_temporal_disruption_savings_dollars_per_hour_total',
      'karpenter_temporal_cluster_cost_dollars_per_hour',
    ]) {
      expect(all).toContain(needle);
    }
  });

  it('should query through the data source variable, so it imports into any Grafana', () => {
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
      expect(panel.datasource?.uid).toBe('${datasource}');
    }
    expect(dashboard.uid).toBe('karpenter-temporal');
  });
});
