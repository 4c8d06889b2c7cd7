import { DescribeInstancesCommand, type EC2Client, type Instance } from '@aws-sdk/client-ec2';
import type { AppsV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import { nodeClaimWorkflowId } from '../../workflows/nodeclaim/messages.js';
import { NAMESPACE } from './workload.js';

interface NodeClaimItem {
  metadata: { name: string; creationTimestamp?: string; deletionTimestamp?: string };
  status?: { providerID?: string; conditions?: { type: string; status: string; lastTransitionTime?: string }[] };
}

export interface Timeouts {
  launchMs: number;
  registrationMs: number;
  /** How long a deleted NodeClaim may take to drain and terminate. */
  terminationMs: number;
}

/** What one check found; `converged` when every list is empty and nothing is still in motion. */
export interface InvariantReport {
  converged: boolean;
  /** Running instances of the cluster that no NodeClaim owns. */
  leaked: string[];
  /** NodeClaims with more than one running instance, or instances claimed by two NodeClaims. */
  duplicate: string[];
  /** Launched NodeClaims (not being deleted) whose instance is gone. */
  lost: string[];
  /** NodeClaims without a running workflow, and running NodeClaim workflows without a NodeClaim. */
  workflows: string[];
  /** Deployments whose pods are not all Running and ready. */
  pods: string[];
  /** NodeClaims in one phase for longer than its timeout. */
  stuck: string[];
  /** Still moving: launching, registering, deleting NodeClaims (not failures by themselves). */
  inMotion: string[];
  nodeClaims: number;
  instances: number;
}

export interface InvariantDeps {
  ec2: EC2Client;
  custom: CustomObjectsApi;
  apps: AppsV1Api;
  temporal: Client;
  clusterName: string;
  timeouts: Timeouts;
}

const condition = (c: NodeClaimItem, type: string) => c.status?.conditions?.find((x) => x.type === type);

export async function checkInvariants(deps: InvariantDeps): Promise<InvariantReport> {
  const instances: Instance[] = [];
  let nextToken: string | undefined;
  do {
    const page = await deps.ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: 'tag-key', Values: [`kubernetes.io/cluster/${deps.clusterName}`] },
          { Name: 'instance-state-name', Values: ['pending', 'running'] },
        ],
        ...(nextToken ? { NextToken: nextToken } : {}),
      })
    );
    instances.push(...(page.Reservations?.flatMap((r) => r.Instances ?? []) ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  const claims = (
    (await deps.custom.listClusterCustomObject({ group: 'karpenter.sh', version: 'v1', plural: 'nodeclaims' })) as {
      items: NodeClaimItem[];
    }
  ).items;
  const report: InvariantReport = {
    converged: false,
    leaked: [],
    duplicate: [],
    lost: [],
    workflows: [],
    pods: [],
    stuck: [],
    inMotion: [],
    nodeClaims: claims.length,
    instances: instances.length,
  };
  const now = Date.now();
  const byName = new Map(claims.map((c) => [c.metadata.name, c]));
  const ownerOf = new Map<string, string[]>();
  for (const c of claims) {
    const id = c.status?.providerID?.split('/').at(-1);
    if (id) ownerOf.set(id, [...(ownerOf.get(id) ?? []), c.metadata.name]);
  }
  const instancesOf = new Map<string, string[]>();
  for (const i of instances) {
    const id = i.InstanceId!;
    const tagged = i.Tags?.find((t) => t.Key === 'karpenter.sh/nodeclaim')?.Value;
    if (tagged) instancesOf.set(tagged, [...(instancesOf.get(tagged) ?? []), id]);
    const owners = ownerOf.get(id) ?? [];
    if (owners.length > 1) report.duplicate.push(`${id} claimed by ${owners.join(', ')}`);
    if (owners.length === 0) {
      // A launch in flight has tagged its instance but not yet written the providerID: motion, not a leak.
      if (tagged && byName.has(tagged) && !byName.get(tagged)!.status?.providerID)
        report.inMotion.push(`${tagged}: instance ${id} not yet recorded`);
      else report.leaked.push(`${id} (${i.InstanceType}, tagged nodeclaim ${tagged ?? '-'})`);
    }
  }
  for (const [name, ids] of instancesOf)
    if (ids.length > 1) report.duplicate.push(`${name} has instances ${ids.join(', ')}`);
  const running = new Set(instances.map((i) => i.InstanceId!));

  for (const c of claims) {
    const name = c.metadata.name;
    const age = now - Date.parse(c.metadata.creationTimestamp ?? new Date().toISOString());
    const id = c.status?.providerID?.split('/').at(-1);
    if (c.metadata.deletionTimestamp) {
      const deleting = now - Date.parse(c.metadata.deletionTimestamp);
      if (deleting > deps.timeouts.terminationMs)
        report.stuck.push(`${name} deleting for ${Math.round(deleting / 1000)} s`);
      else report.inMotion.push(`${name} deleting`);
      continue;
    }
    if (id && !running.has(id)) report.lost.push(`${name}: instance ${id} is not running`);
    if (condition(c, 'Launched')?.status !== 'True') {
      if (age > deps.timeouts.launchMs) report.stuck.push(`${name} launching for ${Math.round(age / 1000)} s`);
      else report.inMotion.push(`${name} launching`);
    } else if (condition(c, 'Registered')?.status !== 'True' || condition(c, 'Initialized')?.status !== 'True') {
      if (age > deps.timeouts.launchMs + deps.timeouts.registrationMs)
        report.stuck.push(`${name} registering for ${Math.round(age / 1000)} s`);
      else report.inMotion.push(`${name} registering`);
    }
  }

  // Every NodeClaim has its one lifecycle workflow running (ids are unique, so at most one can run).
  await Promise.all(
    claims.map(async (c) => {
      try {
        const d = await deps.temporal.workflow.getHandle(nodeClaimWorkflowId(c.metadata.name)).describe();
        if (d.status.name !== 'RUNNING') {
          // A deleted NodeClaim's workflow ends once it removed the finalizer; the object goes a moment later.
          if (!c.metadata.deletionTimestamp) report.workflows.push(`${c.metadata.name}: workflow ${d.status.name}`);
        }
      } catch (err) {
        report.workflows.push(`${c.metadata.name}: no workflow (${(err as Error).message.split('\n')[0]})`);
      }
    })
  );
  for await (const w of deps.temporal.workflow.list({
    query: `WorkflowType = 'nodeClaimWorkflow' AND ExecutionStatus = 'Running'`,
  })) {
    const name = w.workflowId.replace(/^nodeclaim\//, '');
    if (!byName.has(name)) {
      // Visibility lags: confirm before calling it an orphan.
      const d = await deps.temporal.workflow.getHandle(w.workflowId).describe();
      if (d.status.name === 'RUNNING') report.workflows.push(`${w.workflowId}: running without its NodeClaim`);
    }
  }

  const deployments = (await deps.apps.listNamespacedDeployment({ namespace: NAMESPACE })).items;
  for (const d of deployments) {
    const want = d.spec?.replicas ?? 0;
    const ready = d.status?.readyReplicas ?? 0;
    const total = d.status?.replicas ?? 0;
    if (ready !== want || total !== want)
      report.pods.push(`${d.metadata?.name}: ${ready}/${want} ready (${total} pods)`);
  }
  report.converged =
    report.leaked.length +
      report.duplicate.length +
      report.lost.length +
      report.workflows.length +
      report.pods.length +
      report.stuck.length +
      report.inMotion.length ===
    0;
  return report;
}
