import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { Prng } from './prng.js';

export interface ReplayResult {
  replayed: number;
  failures: string[];
}

/**
 * Replays a seeded sample of the run's workflow histories (finished and running, every type) on the current
 * workflow code, as scripts/replay-histories.ts does for the recorded corpus: a history that does not replay means
 * a workflow took a non-deterministic path under faults.
 */
export async function replaySample(client: Client, bundle: string, size: number, prng: Prng): Promise<ReplayResult> {
  const ids: { workflowId: string; runId: string; type: string }[] = [];
  for await (const w of client.workflow.list()) ids.push({ workflowId: w.workflowId, runId: w.runId, type: w.type });
  // Every type at least once when the sample allows, then at random.
  const byType = new Map<string, typeof ids>();
  for (const w of ids) byType.set(w.type, [...(byType.get(w.type) ?? []), w]);
  const chosen = new Set<(typeof ids)[number]>();
  for (const group of byType.values()) if (chosen.size < size) chosen.add(prng.pick(group));
  for (const w of prng.shuffle(ids)) if (chosen.size < size) chosen.add(w);
  const histories = await Promise.all(
    [...chosen].map(async (w) => ({
      workflowId: w.workflowId,
      history: await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory(),
    }))
  );
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: bundle } }, histories)) {
    replayed += 1;
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  return { replayed, failures };
}
