/**
 * The conformance scenarios (test/conformance/scenarios/<name>/*.yaml) and the catalogue both planners read: the
 * bundled us-east-1 catalogue plus the suite's synthetic spot price history. Each scenario is run through our
 * `simulate` and through Karpenter v1.14.1's own scheduler (bench/karpenter-harness); both get the same pods, because
 * workloads (Deployments, StatefulSets, Jobs) are expanded to Pods once, here, with the same loader `simulate` uses.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments, stringify } from 'yaml';

import { parseManifestDocuments } from '../../cli/manifest-documents.js';
import { loadManifests } from '../../cli/simulate-manifests.js';

export const SCENARIOS_DIR = fileURLToPath(new URL('scenarios/', import.meta.url));
export const COMMON_NODE_CLASS = fileURLToPath(new URL('common/ec2nodeclass.yaml', import.meta.url));
export const SPOT_PRICES = fileURLToPath(new URL('catalog/spot-price-history.json', import.meta.url));
const BUNDLED_CATALOG = fileURLToPath(new URL('../../catalog/us-east-1/', import.meta.url));

export interface Scenario {
  name: string;
  /** The first comment line of its YAML: what it checks. */
  description: string;
  /** Its manifests, with the common EC2NodeClass first unless the scenario brings one. */
  files: string[];
  /** Workloads with a zone topology spread constraint (their per-zone shape is compared too). */
  zoneSpreadWorkloads: Set<string>;
  /** Differences we keep on purpose, from the scenario's `accepted-differences.yaml`, each with its reason. */
  acceptedDifferences: AcceptedDifference[];
  /**
   * `suite` (default): the bundled catalogue plus the suite's spot prices. `bundled`: the bundled catalogue as
   * `simulate` uses it by default, with no spot prices at all. From the scenario's `options.yaml`.
   */
  catalog: 'suite' | 'bundled';
}

export interface AcceptedDifference {
  kind: string;
  subject: string;
  /** Why we differ from Karpenter here, with the Karpenter source line. */
  reason: string;
}

type Doc = { kind?: string; metadata?: { name?: string }; spec?: Record<string, unknown> } & Record<string, unknown>;

function documents(file: string): Doc[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((doc) => doc.toJS() as Doc | null)
    .filter((doc): doc is Doc => doc !== null && typeof doc === 'object');
}

function zoneSpreadWorkloads(docs: Doc[]): Set<string> {
  const names = new Set<string>();
  for (const doc of docs) {
    const template = (doc.spec?.['template'] as { spec?: Record<string, unknown> } | undefined)?.spec;
    const podSpec = doc.kind === 'Pod' ? doc.spec : template;
    const constraints = (podSpec?.['topologySpreadConstraints'] ?? []) as { topologyKey?: string }[];
    if (constraints.some((c) => c.topologyKey === 'topology.kubernetes.io/zone')) names.add(doc.metadata?.name ?? '');
  }
  return names;
}

const ACCEPTED_FILE = 'accepted-differences.yaml';
const OPTIONS_FILE = 'options.yaml';

export function listScenarios(only?: string): Scenario[] {
  return readdirSync(SCENARIOS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && (only === undefined || entry.name.includes(only)))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const dir = join(SCENARIOS_DIR, name);
      const own = readdirSync(dir)
        .filter((file) => /\.ya?ml$/.test(file) && file !== ACCEPTED_FILE && file !== OPTIONS_FILE)
        .sort()
        .map((file) => join(dir, file));
      const docs = own.flatMap(documents);
      const bringsClass = docs.some((doc) => doc.kind === 'EC2NodeClass');
      const firstLine = readFileSync(own[0] ?? '', 'utf8').split('\n')[0] ?? '';
      return {
        name,
        description: firstLine.replace(/^#\s*/, ''),
        files: bringsClass ? own : [COMMON_NODE_CLASS, ...own],
        zoneSpreadWorkloads: zoneSpreadWorkloads(docs),
        catalog: existsSync(join(dir, OPTIONS_FILE))
          ? ((parse(readFileSync(join(dir, OPTIONS_FILE), 'utf8')) as { catalog?: 'suite' | 'bundled' }).catalog ??
            'suite')
          : 'suite',
        acceptedDifferences: existsSync(join(dir, ACCEPTED_FILE))
          ? (parse(readFileSync(join(dir, ACCEPTED_FILE), 'utf8')) as AcceptedDifference[])
          : [],
      };
    });
}

export type CatalogFolders = Record<Scenario['catalog'], string>;

/**
 * The catalogue folders both planners read: `suite` has the bundled files plus the suite's spot price history,
 * `bundled` is the bundled catalogue itself.
 */
export function conformanceCatalogs(root = mkdtempSync(join(tmpdir(), 'kt-conformance-catalog-'))): CatalogFolders {
  for (const file of ['instance-types.json', 'instance-type-offerings.json', 'on-demand-prices.json']) {
    symlinkSync(join(BUNDLED_CATALOG, file), join(root, file));
  }
  symlinkSync(SPOT_PRICES, join(root, 'spot-price-history.json'));
  return { suite: root, bundled: BUNDLED_CATALOG };
}

// Pods too: the loader returns them (with their namespace defaulted) among the pending pods written below.
const WORKLOAD_KINDS = new Set(['Pod', 'Deployment', 'ReplicaSet', 'StatefulSet', 'Job', 'CronJob']);

/**
 * Writes each scenario as the harness reads it: the scenario's objects with every workload replaced by the Pods our
 * loader expands it to (same names, labels and specs as `simulate` plans), one folder per scenario.
 */
export function writeExpandedScenarios(scenarios: readonly Scenario[], root: string): void {
  for (const scenario of scenarios) {
    const dir = join(root, scenario.name);
    mkdirSync(dir, { recursive: true });
    const kept = scenario.files.flatMap(documents).filter((doc) => !WORKLOAD_KINDS.has(doc.kind ?? ''));
    const manifests = loadManifests(
      scenario.files.flatMap((file) => parseManifestDocuments({ name: file, text: readFileSync(file, 'utf8') }))
    );
    const keptClaims = new Set(
      kept.filter((doc) => doc.kind === 'PersistentVolumeClaim').map((doc) => doc.metadata?.name ?? '')
    );
    const generatedClaims = manifests.persistentVolumeClaims
      .filter((claim) => !keptClaims.has(claim.metadata.name))
      .map((claim) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', ...claim }));
    // Our loader's ownerReferences carry only kind and name; the API server wants uids, and Karpenter reads an
    // owner only to skip DaemonSet pods, which are never pending here.
    const pods = manifests.pendingPods.map((pod) => {
      const { ownerReferences: _owners, ...metadata } = pod.metadata as typeof pod.metadata & {
        ownerReferences?: unknown;
      };
      return { apiVersion: 'v1', kind: 'Pod', metadata, spec: pod.spec };
    });
    // YAML 1.1 quoting (yes, on, ...) since the harness's Go YAML reader still reads 1.1 booleans.
    const out = [...kept, ...generatedClaims, ...pods].map((doc) => stringify(doc, { version: '1.1' })).join('---\n');
    writeFileSync(join(dir, 'scenario.yaml'), out);
  }
}
