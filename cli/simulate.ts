/**
 * `karpenter-temporal simulate`: what would be launched for these manifests? Reads Kubernetes YAML, runs the
 * scheduling core once, and prints the plan as a table or as JSON.
 */
import { fileURLToPath } from 'node:url';

import { solve } from '../core/scheduling/index.js';
import { formatResource } from '../core/scheduling/quantity.js';
import type { SchedulingInput, SchedulingPlan } from '../core/scheduling/types.js';
import { instanceTypesFromCatalog, nodeClassSettings, readCatalogDirectory } from './simulate-catalog.js';
import { loadManifests } from './simulate-manifests.js';
import { liveCatalog, type LiveCatalog } from './simulate-region.js';

export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const USAGE = `usage: karpenter-temporal simulate <file-or-folder>... [-o table|json]
       [--catalog DIR | --region R [--prices FILE] [--kubernetes-version 1.34] [--cluster-name NAME]]
       [--preference-policy Respect|Ignore] [--min-values-policy Strict|BestEffort]
  Plans NodeClaims for the pending pods in the manifests (Pods; Deployments, ReplicaSets, StatefulSets and Jobs
  expanded to pods; DaemonSets; Nodes and the pods bound to them; Namespaces; NodePools; EC2NodeClasses; PVCs, PVs
  and StorageClasses). Instance types come from --catalog (AWS CLI JSON plus on-demand-prices.json), from EC2 with
  --region (the manifests' EC2NodeClasses resolved live; AWS_ENDPOINT_URL and credentials as the AWS SDK reads
  them; on-demand prices from --prices {"type": USD/h} or else the bundled us-east-1 table; IAM is only read) or,
  by default, the bundled us-east-1 catalogue.
`;

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

interface Options {
  paths: string[];
  output: 'table' | 'json';
  catalog?: string;
  region?: string;
  prices?: string;
  kubernetesVersion: string;
  clusterName: string;
  preferencePolicy?: 'Respect' | 'Ignore';
  minValuesPolicy?: 'Strict' | 'BestEffort';
}

function parseArgs(args: readonly string[]): Options | string {
  const options: Options = { paths: [], output: 'table', kubernetesVersion: '1.34', clusterName: 'simulate' };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const value = (): string => {
      const next = args[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '-o' || arg === '--output') {
      const output = value();
      if (output !== 'json' && output !== 'table') return `unknown output ${output}`;
      options.output = output;
    } else if (arg === '--catalog') options.catalog = value();
    else if (arg === '--region') options.region = value();
    else if (arg === '--prices') options.prices = value();
    else if (arg === '--kubernetes-version') options.kubernetesVersion = value();
    else if (arg === '--cluster-name') options.clusterName = value();
    else if (arg === '--preference-policy') {
      const policy = value();
      if (policy !== 'Respect' && policy !== 'Ignore') return `unknown preference policy ${policy}`;
      options.preferencePolicy = policy;
    } else if (arg === '--min-values-policy') {
      const policy = value();
      if (policy !== 'Strict' && policy !== 'BestEffort') return `unknown minValues policy ${policy}`;
      options.minValuesPolicy = policy;
    } else if (arg === '-h' || arg === '--help') return '';
    else if (arg.startsWith('-')) return `unknown flag ${arg}`;
    else options.paths.push(arg);
  }
  if (options.paths.length === 0) return 'no manifests given';
  if (options.region !== undefined && options.catalog !== undefined) return '--catalog and --region exclude each other';
  if (options.prices !== undefined && options.region === undefined) return '--prices goes with --region';
  return options;
}

/** The `simulate` subcommand; returns the exit code. */
export async function runSimulate(args: readonly string[], io: CommandIo): Promise<number> {
  let options: Options | string;
  try {
    options = parseArgs(args);
  } catch (error) {
    options = (error as Error).message;
  }
  if (typeof options === 'string') {
    if (options === '') {
      io.stdout(USAGE);
      return 0;
    }
    io.stderr(`simulate: ${options}\n${USAGE}`);
    return 2;
  }
  const manifests = loadManifests(options.paths);
  for (const warning of manifests.warnings) io.stderr(`warning: ${warning}\n`);
  if (manifests.nodePools.length === 0) io.stderr('warning: no NodePool in the manifests; nothing can be launched\n');
  let instanceTypes: SchedulingInput['instanceTypes'];
  let source: LiveCatalog['source'] | undefined;
  if (options.region !== undefined) {
    let live: LiveCatalog;
    try {
      live = await liveCatalog({
        region: options.region,
        nodePools: manifests.nodePools,
        nodeClasses: manifests.nodeClasses,
        pricesFile: options.prices,
        bundledPricesFile: BUNDLED_PRICES,
        kubernetesVersion: options.kubernetesVersion,
        clusterName: options.clusterName,
      });
    } catch (error) {
      io.stderr(`simulate: reading the catalogue from EC2 in ${options.region}: ${(error as Error).message}\n`);
      return 1;
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
      readCatalogDirectory(options.catalog ?? BUNDLED_CATALOG),
      nodeClassSettings(nodeClass?.spec)
    );
  }
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
      ...(options.preferencePolicy !== undefined ? { preferencePolicy: options.preferencePolicy } : {}),
      ...(options.minValuesPolicy !== undefined ? { minValuesPolicy: options.minValuesPolicy } : {}),
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
  io.stdout(options.output === 'json' ? JSON.stringify(output, null, 2) + '\n' : renderTable(output));
  return 0;
}
