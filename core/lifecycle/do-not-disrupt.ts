export const DO_NOT_DISRUPT_ANNOTATION = 'karpenter.sh/do-not-disrupt';

/**
 * Whether a `karpenter.sh/do-not-disrupt` annotation protects its object at `now`: `"true"` always; a Go duration
 * such as `"30m"` or `"1h30m"` for that long after `since` (pod start). Anything else does not protect, as in Karpenter.
 */
export function doNotDisruptActive(value: string | undefined, since: Date | undefined, now: Date): boolean {
  if (value === undefined) return false;
  if (value === 'true') return true;
  const ms = parseGoDuration(value);
  if (ms === undefined || since === undefined) return false;
  return now.getTime() < since.getTime() + ms;
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a Go duration string (`1h30m`, `90s`, `1.5h`); undefined when it is not one. */
export function parseGoDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (const match of trimmed.matchAll(re)) {
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
    consumed += match[0].length;
  }
  return consumed === trimmed.length && consumed > 0 ? total : undefined;
}
