/**
 * `karpenter-temporal simulate`: what would be launched for these manifests? Reads Kubernetes YAML, runs the
 * scheduling core once, and prints the plan as a table or as JSON.
 */
import { fileURLToPath } from 'node:url';

import { solve } from '../core/scheduling/index.js';
import { formatResource } from '../core/scheduling/quantity.js';
import type { SchedulingInput, SchedulingPlan } from '../core/scheduling/types.js';
import { instanceTypesFromCatalog, nodeClassSettings, readCatalogDirectory } from './simulate-catalog.js';
import { UsageError } from './args.js';
import { defineCommand, type Command, type CommandSpec } from './command.js';
import { parseManifestDocuments } from './manifest-documents.js';
import { FILENAME_FLAG, manifestPaths, RECURSIVE_FLAG, readManifestSources } from './manifest-sources.js';
import { loadManifests } from './simulate-manifests.js';
import { liveCatalog, type LiveCatalog } from './simulate-region.js';

const SPEC: CommandSpec = {
  name: 'simulate',
  synopsis: '-f FILENAME... [flags]',
  description: `Plan the NodeClaims Karpenter would launch for the pending pods in these manifests.

Reads Pods; Deployments, ReplicaSets, StatefulSets and Jobs (expanded to pods); DaemonSets; Nodes and the pods
bound to them; Namespaces; NodePools and EC2NodeClasses (validated as the API server would); PVCs, PVs and
StorageClasses. Instance types come from --catalog (AWS CLI JSON plus on-demand-prices.json), from EC2 with --region
(the manifests' EC2NodeClasses resolved live; AWS_ENDPOINT_URL and credentials as the AWS SDK reads them; on-demand
prices from --prices {"type": USD/h} or else the bundled us-east-1 table; IAM is only read) or, by default, the
bundled us-east-1 catalogue. Paths may also be given without -f.`,
  examples: [
    'npm run cli -- simulate -f examples/simulate',
    'npm run cli -- simulate -f nodepool.yaml -f workloads/ -R -o json',
    'kubectl get deploy -A -o yaml | npm run cli -- simulate -f nodepool.yaml -f -',
  ],
  flags: [
    FILENAME_FLAG,
    RECURSIVE_FLAG,
    {
      name: 'output',
      short: 'o',
      value: 'FORMAT',
      choices: ['table', 'json'],
      default: 'table',
      description: 'output format',
    },
    {
      name: 'catalog',
      value: 'DIR',
      description: 'instance types from this folder (AWS CLI JSON, on-demand-prices.json)',
    },
    { name: 'region', value: 'REGION', description: 'instance types read live from EC2 in this region' },
    { name: 'prices', value: 'FILE', description: 'on-demand prices {"type": USD/h} for --region' },
    { name: 'kubernetes-version', value: 'VERSION', default: '1.34', description: 'for AMI resolution with --region' },
    { name: 'cluster-name', value: 'NAME', default: 'simulate', description: 'for selectors and tags with --region' },
    {
      name: 'preference-policy',
      value: 'POLICY',
      choices: ['Respect', 'Ignore'],
      description: 'preferred affinities and spreads',
    },
    {
      name: 'min-values-policy',
      value: 'POLICY',
      choices: ['Strict', 'BestEffort'],
      description: 'NodePool minValues',
    },
  ],
};

export const BUNDLED_CATALOG = fileURLToPath(new URL('../catalog/us-east-1/', import.meta.url));
export const BUNDLED_PRICES = fileURLToPath(new URL('../catalog/us-east-1/on-demand-prices.json', import.meta.url));

/** The JSON document `-o json` prints; the field set is a public contract. */
export interface SimulateOutput {
  nodeClaims: SchedulingPlan['nodeClaims'];
  existingNodes: SchedulingPlan['existingNodes'];
  unschedulable: SchedulingPlan['unschedulable'];
  summary: { pods: number; scheduled: number; newNodeClaims: number; hourlyCost: number; elapsedMs: number };
  /** With --region only: where the catalogue and its prices came from. */
  catalog?: LiveCatalog['source'];
}

export function toOutput(plan: SchedulingPlan, pods: number, elapsedMs: number): SimulateOutput {
  const hourlyCost = plan.nodeClaims.reduce((sum, claim) => sum + claim.launch.price, 0);
  return {
    nodeClaims: plan.nodeClaims,
    existingNodes: plan.existingNodes,
    unschedulable: plan.unschedulable,
    summary: {
      pods,
      scheduled: pods - plan.unschedulable.length,
      newNodeClaims: plan.nodeClaims.length,
      hourlyCost: Math.round(hourlyCost * 1e6) / 1e6,
      elapsedMs: Math.round(elapsedMs * 10) / 10,
    },
  };
}

function pad(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()
    )
    .join('\n');
}

export function renderTable(output: SimulateOutput): string {
  const lines: string[] = [];
  if (output.nodeClaims.length > 0) {
    const rows = [
      ['NODECLAIM', 'NODEPOOL', 'INSTANCE TYPE', 'ZONE', 'CAPACITY', '$/HOUR', 'PODS', 'CPU', 'MEMORY', 'OPTIONS'],
    ];
    for (const claim of output.nodeClaims) {
      const options = claim.instanceTypes.slice(0, 3).join(',') + (claim.instanceTypes.length > 3 ? ',…' : '');
      rows.push([
        claim.name,
        claim.nodePool,
        claim.launch.instanceType,
        claim.launch.zone,
        claim.launch.capacityType,
        claim.launch.price.toFixed(4),
        String(claim.pods.length),
        formatResource('cpu', claim.requests['cpu'] ?? 0),
        formatResource('memory', claim.requests['memory'] ?? 0),
        `${options} (${claim.instanceTypes.length})`,
      ]);
    }
    lines.push(pad(rows), '');
  }
  if (output.existingNodes.length > 0) {
    lines.push(
      pad([['EXISTING NODE', 'NEW PODS'], ...output.existingNodes.map((n) => [n.name, String(n.pods.length)])]),
      ''
    );
  }
  if (output.unschedulable.length > 0) {
    lines.push('UNSCHEDULABLE');
    for (const entry of output.unschedulable.slice(0, 50)) lines.push(`  ${entry.pod}: ${entry.reason}`);
    if (output.unschedulable.length > 50) lines.push(`  … and ${output.unschedulable.length - 50} more`);
    lines.push('');
  }
  const s = output.summary;
  if (output.catalog !== undefined) {
    lines.push(
      `catalogue: EC2 ${output.catalog.region}; on-demand prices: ${output.catalog.onDemandPrices}; spot prices: ${output.catalog.spotPrices}`
    );
  }
  lines.push(
    `${s.pods} pods, ${s.scheduled} scheduled, ${s.newNodeClaims} new NodeClaims, $${s.hourlyCost.toFixed(4)}/hour, planned in ${s.elapsedMs} ms`
  );
  return lines.join('\n') + '\n';
}

/** The `simulate` subcommand; returns the exit code. */
export const runSimulate: Command = defineCommand(SPEC, async (args, io) => {
  const region = args.value('region');
  const catalog = args.value('catalog');
  const prices = args.value('prices');
  if (region !== undefined && catalog !== undefined) throw new UsageError('--catalog and --region exclude each other');
  if (prices !== undefined && region === undefined) throw new UsageError('--prices goes with --region');
  const sources = await readManifestSources(manifestPaths(args), {
    recursive: args.enabled('recursive'),
    stdin: io.stdin,
  });
  const manifests = loadManifests(sources.flatMap(parseManifestDocuments));
  for (const warning of manifests.warnings) io.stderr(`warning: ${warning}\n`);
  if (manifests.nodePools.length === 0) io.stderr('warning: no NodePool in the manifests; nothing can be launched\n');
  let instanceTypes: SchedulingInput['instanceTypes'];
  let source: LiveCatalog['source'] | undefined;
  if (region !== undefined) {
    let live: LiveCatalog;
    try {
      live = await liveCatalog({
        region,
        nodePools: manifests.nodePools,
        nodeClasses: manifests.nodeClasses,
        pricesFile: prices,
        bundledPricesFile: BUNDLED_PRICES,
        kubernetesVersion: args.value('kubernetes-version') ?? '1.34',
        clusterName: args.value('cluster-name') ?? 'simulate',
      });
    } catch (error) {
      throw new Error(`reading the catalogue from EC2 in ${region}: ${(error as Error).message}`, { cause: error });
    }
    for (const warning of live.warnings) io.stderr(`warning: ${warning}\n`);
    instanceTypes = live.instanceTypes;
    source = live.source;
  } else {
    const referenced = new Set(manifests.nodePools.map((p) => p.spec.template.spec.nodeClassRef?.name));
    const nodeClass = manifests.nodeClasses.find((c) => referenced.has(c.name)) ?? manifests.nodeClasses[0];
    if (referenced.size > 1) {
      io.stderr(
        `warning: NodePools reference several EC2NodeClasses; capacity is computed for "${nodeClass?.name ?? 'defaults'}"\n`
      );
    }
    instanceTypes = instanceTypesFromCatalog(
      readCatalogDirectory(catalog ?? BUNDLED_CATALOG),
      nodeClassSettings(nodeClass?.spec)
    );
  }
  const preferencePolicy = args.value('preference-policy');
  const minValuesPolicy = args.value('min-values-policy');
  const input: SchedulingInput = {
    pods: manifests.pendingPods,
    nodePools: manifests.nodePools,
    instanceTypes,
    existingNodes: manifests.nodes,
    daemonSets: manifests.daemonSets,
    persistentVolumeClaims: manifests.persistentVolumeClaims,
    persistentVolumes: manifests.persistentVolumes,
    storageClasses: manifests.storageClasses,
    namespaces: manifests.namespaces,
    options: {
      ...(preferencePolicy !== undefined ? { preferencePolicy: preferencePolicy as 'Respect' | 'Ignore' } : {}),
      ...(minValuesPolicy !== undefined ? { minValuesPolicy: minValuesPolicy as 'Strict' | 'BestEffort' } : {}),
    },
  };
  const total = input.pods.length;
  const showProgress = total >= 5000;
  let lastShown = 0;
  const started = performance.now();
  const plan = solve(input, {
    onProgress: (done) => {
      const now = performance.now();
      if (!showProgress || (now - lastShown < 500 && done < total)) return;
      lastShown = now;
      io.stderr(`planning: ${done}/${total} pods\n`);
    },
  });
  const output = toOutput(plan, total, performance.now() - started);
  if (source !== undefined) output.catalog = source;
  io.stdout(args.value('output') === 'json' ? JSON.stringify(output, null, 2) + '\n' : renderTable(output));
  return 0;
});
