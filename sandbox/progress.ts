import type { CoreV1Api, CustomObjectsApi, V1Pod } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatTable } from '../cli/status.js';

interface NodeClaimView {
  metadata: { name: string; labels?: Record<string, string> };
  status?: { nodeName?: string; conditions?: { type: string; status: string }[] };
}

export interface DemoSummary {
  ok: boolean;
  report: string;
}

const isTrue = (claim: NodeClaimView, type: string): boolean =>
  claim.status?.conditions?.some((c) => c.type === type && c.status === 'True') ?? false;

/**
 * Watches the demo until every replica runs (or the timeout): prints a line whenever the picture changes, then
 * returns a summary with nodes, instance types, $/h and the time each stage took.
 */
export async function watchDemo(options: {
  core: CoreV1Api;
  custom: CustomObjectsApi;
  app: string;
  namespace: string;
  replicas: number;
  prices: Record<string, number>;
  /** Where the prices come from, for the report's total. */
  priceSource?: string;
  timeoutMs: number;
  say: (line: string) => void;
}): Promise<DemoSummary> {
  const t0 = Date.now();
  const marks: Record<string, number> = {};
  const mark = (name: string): void => {
    marks[name] ??= Date.now() - t0;
  };
  let last = '';
  let pods: V1Pod[] = [];
  let claims: NodeClaimView[] = [];
  while (Date.now() - t0 < options.timeoutMs) {
    pods = (await options.core.listNamespacedPod({ namespace: options.namespace, labelSelector: `app=${options.app}` }))
      .items;
    claims = (
      (await options.custom.listClusterCustomObject({
        group: 'karpenter.sh',
        version: 'v1',
        plural: 'nodeclaims',
      })) as { items: NodeClaimView[] }
    ).items;
    const pending = pods.filter((p) => p.status?.phase === 'Pending').length;
    const running = pods.filter((p) => p.status?.phase === 'Running').length;
    const launched = claims.filter((c) => isTrue(c, 'Launched')).length;
    const registered = claims.filter((c) => isTrue(c, 'Registered')).length;
    const ready = claims.filter((c) => isTrue(c, 'Initialized')).length;
    if (pending > 0) mark('pods pending');
    if (claims.length > 0) mark('first NodeClaim');
    if (claims.length > 0 && launched === claims.length) mark('NodeClaims launched');
    if (claims.length > 0 && ready === claims.length) mark('nodes Ready');
    const line = `pods ${running}/${options.replicas} Running (${pending} pending) · NodeClaims ${claims.length}: ${launched} launched, ${registered} registered, ${ready} Ready`;
    if (line !== last) {
      options.say(line);
      last = line;
    }
    if (running === options.replicas) {
      mark('pods Running');
      break;
    }
    await sleep(500);
  }

  const ok = marks['pods Running'] !== undefined;
  const podsByNode = new Map<string, number>();
  for (const pod of pods)
    if (pod.spec?.nodeName) podsByNode.set(pod.spec.nodeName, (podsByNode.get(pod.spec.nodeName) ?? 0) + 1);
  const rows = [['NODECLAIM', 'NODE', 'INSTANCE-TYPE', 'ZONE', 'CAPACITY', '$/H', 'PODS']];
  let total = 0;
  for (const claim of claims.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    const labels = claim.metadata.labels ?? {};
    const type = labels['node.kubernetes.io/instance-type'] ?? '-';
    const price = options.prices[type] ?? 0;
    total += price;
    rows.push([
      claim.metadata.name,
      claim.status?.nodeName ?? '-',
      type,
      labels['topology.kubernetes.io/zone'] ?? '-',
      labels['karpenter.sh/capacity-type'] ?? '-',
      price.toFixed(4),
      String(podsByNode.get(claim.status?.nodeName ?? '') ?? 0),
    ]);
  }
  const stages = ['pods pending', 'first NodeClaim', 'NodeClaims launched', 'nodes Ready', 'pods Running'];
  const timeline = stages.map(
    (s) => `  ${s.padEnd(20)} ${marks[s] !== undefined ? `${(marks[s]! / 1000).toFixed(1)} s` : 'not reached'}`
  );
  const report = [
    ok
      ? `Demo complete: ${options.replicas}/${options.replicas} pods Running on ${claims.length} node(s).`
      : `Demo incomplete after ${options.timeoutMs / 1000} s.`,
    '',
    formatTable(rows).trimEnd(),
    `Total: $${total.toFixed(4)}/h (on-demand prices of ${options.priceSource ?? "the EC2 emulator's synthetic table"})`,
    '',
    'Time from the deployment to:',
    ...timeline,
  ].join('\n');
  return { ok, report };
}
