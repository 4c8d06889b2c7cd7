/**
 * `npm run bench:disruption`: one disruption pass (`core/disruption` `decide`, with the provisioner's solver as its
 * scheduling simulation) over synthetic clusters of m5.xlarge nodes at 5–90 % CPU use, on the bundled us-east-1
 * catalogue. One NodePool with Karpenter's defaults (10 % budget, WhenEmptyOrUnderutilized, consolidateAfter 0s).
 * Two clusters side by side: underutilized (a command is found) and packed (nothing to do: the steady state, where
 * single-node consolidation simulates every candidate before giving up — the pass that runs every 10 s).
 *
 * Karpenter bounds a pass at 1 min (multi-node) + 3 min (single-node); the figures show how far under that we are
 * and what one simulation costs, side by side by cluster size. The view is rebuilt per pass, as the activity does.
 *
 * Each cluster is measured twice, one right after the other: `full` rebuilds the cluster view for every simulation
 * (`fullRebuildSimulation`, how passes worked before) and `incremental` derives every simulation from one base view
 * (`schedulingSimulation`, what the activity uses). The two must choose the same command; the run fails otherwise.
 * `--sizes 100,500` picks the cluster sizes.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { argv, exit, memoryUsage, version } from 'node:process';

import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { instanceTypesFromCatalog, readCatalogDirectory } from '../cli/simulate-catalog.js';
import { BUNDLED_CATALOG } from '../cli/simulate.js';
import { catalogueOfferingPrice } from '../core/cloudprovider/instancetype.js';
import type { InstanceType } from '../core/cloudprovider/types.js';
import { DEFAULT_DECIDE_OPTIONS, decide } from '../core/disruption/methods.js';
import { cataloguePrices, fullRebuildSimulation, schedulingSimulation } from '../core/disruption/simulation.js';
import type { Simulate } from '../core/disruption/types.js';
import { disruptionView } from '../core/disruption/view.js';
import type { ProvisioningSnapshot } from '../core/provisioning/snapshot.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
const TYPE = 'm5.xlarge';

/** Deterministic pseudo-random numbers (mulberry32), so every run measures the same clusters. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function cluster(nodes: number, type: InstanceType, packed: boolean): ProvisioningSnapshot {
  const next = random(nodes);
  const allocatableCpu = type.capacity.cpu! - (type.overhead.kubeReserved.cpu ?? 0);
  const allocatableMemory =
    type.capacity.memory! - (type.overhead.kubeReserved.memory ?? 0) - (type.overhead.evictionThreshold.memory ?? 0);
  const snapshot: ProvisioningSnapshot = {
    pods: [],
    nodes: [],
    nodeClaims: [],
    nodePools: [
      {
        metadata: { name: 'general' },
        spec: {
          template: {
            spec: {
              nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
              requirements: [
                packed
                  ? { key: 'node.kubernetes.io/instance-type', operator: 'In', values: [TYPE] }
                  : { key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['m5', 'c5', 'r5'] },
                { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
              ],
            },
          },
        },
      },
    ],
    daemonSets: [],
  };
  for (let i = 0; i < nodes; i++) {
    const name = `ip-10-0-${Math.floor(i / 250)}-${i % 250}`;
    const zone = ZONES[i % ZONES.length]!;
    const labels = {
      'karpenter.sh/nodepool': 'general',
      'node.kubernetes.io/instance-type': TYPE,
      'topology.kubernetes.io/zone': zone,
      'karpenter.sh/capacity-type': 'on-demand',
      'kubernetes.io/arch': 'amd64',
      'kubernetes.io/os': 'linux',
      'kubernetes.io/hostname': name,
      'karpenter.k8s.aws/instance-family': 'm5',
    };
    snapshot.nodes.push({
      metadata: { name, labels },
      status: {
        allocatable: { cpu: `${allocatableCpu}m`, memory: `${Math.floor(allocatableMemory / 1024)}Ki`, pods: '58' },
        conditions: [{ type: 'Ready', status: 'True' }],
      },
    } as V1Node);
    snapshot.nodeClaims.push({
      metadata: { name: `general-${i}`, labels, creationTimestamp: '2026-06-01T00:00:00Z' },
      spec: { nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' } },
      status: {
        nodeName: name,
        providerID: `aws:///${zone}/i-${i.toString(16).padStart(17, '0')}`,
        conditions: [{ type: 'Initialized', status: 'True', lastTransitionTime: '2026-06-01T00:10:00Z' }],
      },
    });
    // Pods of 250m / 512Mi: 1–14 (6 % to 89 % of the node's CPU), or 15 on an
    // m5.xlarge-only pool when packed (full: no pod fits elsewhere, nothing to consolidate).
    const count = packed ? 15 : 1 + Math.floor(next() * 14);
    for (let p = 0; p < count; p++) {
      snapshot.pods.push({
        metadata: {
          name: `app-${i}-${p}`,
          namespace: 'default',
          uid: `${i}-${p}`,
          labels: { app: `app-${i % 40}` },
          ownerReferences: [{ kind: 'ReplicaSet', name: `app-${i % 40}`, apiVersion: 'apps/v1', uid: 'rs' }],
        },
        spec: {
          nodeName: name,
          containers: [{ name: 'c', image: 'app', resources: { requests: { cpu: '250m', memory: '512Mi' } } }],
        },
        status: { phase: 'Running', startTime: new Date('2026-06-01T01:00:00Z') },
      } as V1Pod);
    }
  }
  return snapshot;
}

interface Row {
  cluster: string;
  simulation: 'full' | 'incremental';
  nodes: number;
  pods: number;
  passMs: number;
  nextPassMs: number;
  simulations: number;
  msPerSimulation: number;
  command: string;
  savingsPerHour: number;
  heapMiB: number;
}

function measure(nodes: number, catalogue: InstanceType[], packed: boolean, simulation: Row['simulation']): Row {
  const types = new Map(catalogue.map((t) => [t.name, t]));
  const snapshot = cluster(nodes, types.get(TYPE)!, packed);
  // Built inside each timed pass, as the activity builds it from a fresh snapshot.
  const viewOf = () =>
    disruptionView({
      snapshot,
      pdbs: [],
      offeringPrice: catalogueOfferingPrice(types),
      drift: {},
      podEvents: {},
      now: NOW,
    }).view;
  const started = performance.now();
  const view = viewOf();
  const simulateOn = (simulation === 'full' ? fullRebuildSimulation : schedulingSimulation)(snapshot, catalogue);
  let simulations = 0;
  let simulationMs = 0;
  const simulate: Simulate = (candidates) => {
    const t = performance.now();
    simulations++;
    const result = simulateOn(candidates);
    simulationMs += performance.now() - t;
    return result;
  };
  const decision = decide(view, NOW, simulate, cataloguePrices(types));
  const passMs = performance.now() - started;
  // The next pass over an unchanged cluster, with the "nothing to consolidate" mark the workflow keeps.
  const again = performance.now();
  decide(viewOf(), NOW, simulateOn, cataloguePrices(types), {
    ...DEFAULT_DECIDE_OPTIONS,
    ...(decision.consolidatedFingerprint ? { consolidatedFingerprint: decision.consolidatedFingerprint } : {}),
  });
  const nextPassMs = performance.now() - again;
  return {
    cluster: packed ? 'packed' : 'underutilized',
    simulation,
    nodes,
    pods: snapshot.pods.length,
    passMs,
    nextPassMs,
    simulations,
    msPerSimulation: simulations ? simulationMs / simulations : 0,
    command: decision.command
      ? `${decision.command.method}: ${decision.command.candidates.length} node(s) → ${decision.command.replacements.length} new`
      : 'none',
    savingsPerHour: decision.command?.savingsPerHour ?? 0,
    heapMiB: memoryUsage().heapUsed / 2 ** 20,
  };
}

const catalogue = instanceTypesFromCatalog(readCatalogDirectory(BUNDLED_CATALOG));
const sizesFlag = argv.indexOf('--sizes');
const sizes = sizesFlag >= 0 ? (argv[sizesFlag + 1] ?? '').split(',').map(Number) : [100, 500, 1000];
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
process.stdout.write(
  `disruption pass on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB), Node ${version}; ${catalogue.length} instance types; load average ${load()}\n\n`
);
const header = [
  'cluster',
  'nodes',
  'pods',
  'simulation',
  'first pass (ms)',
  'next pass, unchanged (ms)',
  'simulations',
  'ms/simulation',
  'command',
  '$/h saved',
  'heap MiB',
  'load (1 min)',
];
process.stdout.write(`${header.join(' | ')}\n${header.map(() => '---').join(' | ')}\n`);
let differ = false;
for (const packed of [false, true]) {
  for (const size of sizes) {
    const rows = (['full', 'incremental'] as const).map((simulation) => measure(size, catalogue, packed, simulation));
    for (const row of rows) {
      process.stdout.write(
        `${[
          row.cluster,
          row.nodes,
          row.pods,
          row.simulation,
          row.passMs.toFixed(0),
          row.nextPassMs.toFixed(0),
          row.simulations,
          row.msPerSimulation.toFixed(1),
          row.command,
          row.savingsPerHour.toFixed(3),
          row.heapMiB.toFixed(0),
          loadavg()[0]!.toFixed(2),
        ].join(' | ')}\n`
      );
    }
    const [full, incremental] = rows as [Row, Row];
    if (full.command !== incremental.command || full.savingsPerHour !== incremental.savingsPerHour) differ = true;
  }
}
process.stdout.write(
  `\nKarpenter's budget for the same pass: 60,000 ms multi-node + 180,000 ms single-node consolidation. Load average after: ${load()}\n`
);
if (differ) {
  process.stderr.write('FAIL: the incremental and the full-rebuild simulations chose different commands\n');
  exit(1);
}
