/**
 * Kubernetes quantity → canonical number (cpu in millicores, everything else in base units, rounded up the way
 * the API server rounds requests). A local adapter: the solver needs plain numbers in its hot path.
 */
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};
const QUANTITY = /^([+-]?[0-9.]+)(e[+-]?[0-9]+|E[+-]?[0-9]+|[KMGTPE]i|[numkMGTPE])?$/;

export function parseQuantity(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = QUANTITY.exec(value.trim());
  if (match === null) throw new Error(`invalid quantity ${JSON.stringify(value)}`);
  const number = Number(match[1]);
  const suffix = match[2] ?? '';
  let multiplier: number;
  if (suffix in BINARY) multiplier = BINARY[suffix] ?? 1;
  else if (/^[eE]/.test(suffix)) multiplier = 10 ** Number(suffix.slice(1));
  else multiplier = DECIMAL[suffix] ?? 1;
  return number * multiplier;
}

/** A resource value in the solver's canonical unit: millicores for cpu, base units rounded up otherwise. */
export function canonicalResource(name: string, value: string | number): number {
  const parsed = parseQuantity(value);
  if (name === 'cpu') return Math.ceil(Math.round(parsed * 1e6) / 1e3);
  return Math.ceil(Math.round(parsed * 1e3) / 1e3);
}

export function canonicalResources(list: Record<string, string | number> | undefined): Record<string, number> {
  const result: Record<string, number> = {};
  if (list === undefined) return result;
  for (const [name, value] of Object.entries(list)) result[name] = canonicalResource(name, value);
  return result;
}

/** Human form of a canonical value, for reasons and tables. */
export function formatResource(name: string, value: number): string {
  if (name === 'cpu') return value % 1000 === 0 ? String(value / 1000) : `${value}m`;
  if (name === 'memory' || name === 'ephemeral-storage') {
    for (const [suffix, size] of [
      ['Ti', 2 ** 40],
      ['Gi', 2 ** 30],
      ['Mi', 2 ** 20],
      ['Ki', 2 ** 10],
    ] as const) {
      if (value >= size && value % size === 0) return `${value / size}${suffix}`;
    }
    if (value >= 2 ** 20) return `${Math.round((value / 2 ** 20) * 10) / 10}Mi`;
  }
  return String(value);
}
