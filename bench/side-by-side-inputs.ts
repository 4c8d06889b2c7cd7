/**
 * The inputs of `npm run bench:side-by-side`, written to files once so our solver and Karpenter's scheduler (the
 * Go harness's `bench` mode) read the very same pods, instance types and NodePool; and a digest of what each side
 * read, in a canonical text both languages can produce, so a run proves the two sides solved the same problem.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { instanceTypesFromCatalog, readCatalogDirectory } from '../cli/simulate-catalog.js';
import { BUNDLED_CATALOG } from '../cli/simulate.js';
import type { InstanceType } from '../core/cloudprovider/types.js';
import { canonicalResource } from '../core/scheduling/quantity.js';
import type { NodePool, Pod } from '../core/scheduling/types.js';
import { benchmarkNodePool, diversePods, fakeInstanceTypes, preferencePods } from './scheduling-fixtures.js';

export interface SideBySideScenario {
  name: string;
  catalogue: 'fake-400' | 'us-east-1';
  mix: string;
  preferencePolicy: 'Respect' | 'Ignore';
  /** File names inside the inputs folder. */
  podsFile: string;
  typesFile: string;
  nodePoolFile: string;
}

/** The files one scenario names, read back (both sides read these, never the in-memory fixtures). */
export interface ScenarioInputs {
  pods: Pod[];
  instanceTypes: InstanceType[];
  nodePool: NodePool;
}

const MIXES: Record<string, { pods: () => Pod[]; policy: 'Respect' | 'Ignore' }> = {
  'diverse-1000': { pods: () => diversePods(1000), policy: 'Respect' },
  'diverse-5000': { pods: () => diversePods(5000), policy: 'Respect' },
  'diverse-10000': { pods: () => diversePods(10000), policy: 'Respect' },
  'diverse-20000': { pods: () => diversePods(20000), policy: 'Respect' },
  'preferences-4000-respect': { pods: () => preferencePods(4000), policy: 'Respect' },
  'preferences-4000-ignore': { pods: () => preferencePods(4000), policy: 'Ignore' },
};

/**
 * The default scenario set: bench:scheduling's large mixes on both catalogues. 20,000 diverse pods is left to
 * `--all` (ALL_SCENARIOS): Karpenter takes minutes per iteration there on this machine.
 */
export const DEFAULT_SCENARIOS: readonly string[] = [
  'fake-400/diverse-1000',
  'fake-400/diverse-5000',
  'fake-400/diverse-10000',
  'fake-400/preferences-4000-respect',
  'fake-400/preferences-4000-ignore',
  'us-east-1/diverse-1000',
  'us-east-1/diverse-5000',
  'us-east-1/preferences-4000-respect',
  'us-east-1/preferences-4000-ignore',
];

export const ALL_SCENARIOS: readonly string[] = [...DEFAULT_SCENARIOS, 'fake-400/diverse-20000'];

/**
 * Writes the named scenarios' inputs into `dir` (each pod mix and catalogue once) and `scenarios.json` listing them;
 * returns the scenarios.
 */
export function writeSideBySideInputs(dir: string, names: readonly string[] = DEFAULT_SCENARIOS): SideBySideScenario[] {
  mkdirSync(dir, { recursive: true });
  const written = new Set<string>();
  const write = (file: string, build: () => unknown): string => {
    if (!written.has(file)) {
      writeFileSync(join(dir, file), JSON.stringify(build()));
      written.add(file);
    }
    return file;
  };
  const scenarios = names.map((name): SideBySideScenario => {
    const [catalogue, mix] = name.split('/') as [string, string];
    const spec = MIXES[mix];
    if ((catalogue !== 'fake-400' && catalogue !== 'us-east-1') || spec === undefined) {
      throw new Error(`unknown side-by-side scenario ${name}`);
    }
    return {
      name,
      catalogue,
      mix,
      preferencePolicy: spec.policy,
      // Respect and Ignore share one pod file: the policy is an option, not an input.
      podsFile: write(`pods-${mix.replace(/-(respect|ignore)$/, '')}.json`, spec.pods),
      typesFile: write(`types-${catalogue}.json`, () =>
        catalogue === 'fake-400'
          ? fakeInstanceTypes(400)
          : instanceTypesFromCatalog(readCatalogDirectory(BUNDLED_CATALOG))
      ),
      nodePoolFile: write('nodepool.json', benchmarkNodePool),
    };
  });
  writeFileSync(join(dir, 'scenarios.json'), JSON.stringify(scenarios, null, 2));
  return scenarios;
}

export function readScenarioInputs(dir: string, scenario: SideBySideScenario): ScenarioInputs {
  const read = <T>(file: string): T => JSON.parse(readFileSync(join(dir, file), 'utf8')) as T;
  return {
    pods: read<Pod[]>(scenario.podsFile),
    instanceTypes: read<InstanceType[]>(scenario.typesFile),
    nodePool: read<NodePool>(scenario.nodePoolFile),
  };
}

const sha = (lines: string[]): string => createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16);
const sortedPairs = (record: Record<string, string> | undefined): string =>
  Object.entries(record ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join(',');

/**
 * One line per pod, the fields scheduling reads: key, uid, labels, summed container requests (cpu in millicores,
 * memory in bytes), and the count of each kind of constraint. bench/karpenter-harness/bench.go `podLine` builds the
 * same line from the `corev1.Pod` it parsed.
 */
export function podLine(pod: Pod): string {
  let cpu = 0;
  let memory = 0;
  for (const container of pod.spec.containers) {
    const requests = container.resources?.requests ?? {};
    if (requests['cpu'] !== undefined) cpu += canonicalResource('cpu', requests['cpu']);
    if (requests['memory'] !== undefined) memory += canonicalResource('memory', requests['memory']);
  }
  const affinity = pod.spec.affinity;
  const counts = [
    pod.spec.topologySpreadConstraints?.length ?? 0,
    affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length ?? 0,
    affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length ?? 0,
    affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length ?? 0,
    affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length ?? 0,
    affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length ?? 0,
  ];
  return [
    `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`,
    pod.metadata.uid ?? '',
    sortedPairs(pod.metadata.labels),
    `cpu=${cpu}`,
    `memory=${memory}`,
    `constraints=${counts.join('/')}`,
  ].join(' ');
}

/**
 * One line per instance type: name, capacity, overhead, and each offering (zone, capacity type, price to 6 places,
 * availability) sorted; `typeLine` in bench.go builds it from the `cloudprovider.InstanceType` Karpenter receives.
 */
export function typeLine(type: InstanceType): string {
  const resources = (list: Record<string, number>): string =>
    Object.entries(list)
      .filter(([, v]) => v !== 0)
      .map(([k, v]) => `${k}=${Math.round(v)}`)
      .sort()
      .join(',');
  const overhead = { ...type.overhead.kubeReserved };
  for (const list of [type.overhead.systemReserved, type.overhead.evictionThreshold]) {
    for (const [k, v] of Object.entries(list)) overhead[k] = (overhead[k] ?? 0) + v;
  }
  const offerings = type.offerings
    .map((o) => `${o.zone}/${o.capacityType}/${o.price.toFixed(6)}/${o.available}`)
    .sort()
    .join(',');
  return [type.name, `capacity=${resources(type.capacity)}`, `overhead=${resources(overhead)}`, offerings].join(' ');
}

export interface InputDigest {
  pods: number;
  types: number;
  podsDigest: string;
  typesDigest: string;
}

export function inputDigest(inputs: Pick<ScenarioInputs, 'pods' | 'instanceTypes'>): InputDigest {
  return {
    pods: inputs.pods.length,
    types: inputs.instanceTypes.length,
    podsDigest: sha(inputs.pods.map(podLine)),
    typesDigest: sha(inputs.instanceTypes.map(typeLine)),
  };
}
