/** Label selectors (`metav1.LabelSelector`) compiled to a predicate. */
import type { LabelSelector } from './types.js';

export type LabelMatcher = (labels: Record<string, string> | undefined) => boolean;

const NOTHING: LabelMatcher = () => false;

/** A nil selector matches nothing (as for pod affinity terms); an empty one matches everything. */
export function compileSelector(selector: LabelSelector | null | undefined): LabelMatcher {
  if (selector === undefined || selector === null) return NOTHING;
  const checks: LabelMatcher[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    checks.push((labels) => labels?.[key] === value);
  }
  for (const expression of selector.matchExpressions ?? []) {
    const values = new Set(expression.values ?? []);
    const { key } = expression;
    switch (expression.operator) {
      case 'In':
        checks.push((labels) => labels?.[key] !== undefined && values.has(labels[key] ?? ''));
        break;
      case 'NotIn':
        checks.push((labels) => labels?.[key] === undefined || !values.has(labels[key] ?? ''));
        break;
      case 'Exists':
        checks.push((labels) => labels?.[key] !== undefined);
        break;
      case 'DoesNotExist':
        checks.push((labels) => labels?.[key] === undefined);
        break;
      default:
        return NOTHING;
    }
  }
  if (checks.length === 1) return checks[0] ?? NOTHING;
  return (labels) => checks.every((check) => check(labels));
}

/** A canonical string for hashing a selector into a topology-group key. */
export function selectorKey(selector: LabelSelector | null | undefined): string {
  if (selector === undefined || selector === null) return 'nil';
  const labels = Object.entries(selector.matchLabels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const expressions = (selector.matchExpressions ?? [])
    .map((e) => `${e.key} ${e.operator} ${[...(e.values ?? [])].sort().join(',')}`)
    .sort();
  return JSON.stringify([labels, expressions]);
}
