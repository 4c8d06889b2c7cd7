import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { InterruptionActivities } from '../../activities/interruption/activities.js';
import { interruptionStateQuery, type InterruptionState } from './messages.js';

// The consumer polls for a minute per activity and heartbeats between polls: a dead worker is noticed in 30 s
// and the next attempt picks the queue up on another worker.
const consumer = proxyActivities<InterruptionActivities>({
  startToCloseTimeout: '3 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

const RECENT_KEPT = 50;

/** The cluster's interruption consumer (id `interruption/<cluster>`): one long-poll activity after another. */
export async function interruptionWorkflow(input: {
  clusterName: string;
  runForMs?: number;
  state?: InterruptionState;
}): Promise<void> {
  const state: InterruptionState = input.state ?? {
    clusterName: input.clusterName,
    handled: 0,
    malformed: 0,
    recent: [],
  };
  setHandler(interruptionStateQuery, () => state);
  for (let i = 0; i < 200 && !workflowInfo().continueAsNewSuggested; i++) {
    const result = await consumer.consumeInterruptions({ runForMs: input.runForMs ?? 60_000 });
    state.handled += result.handled.length;
    state.malformed += result.malformed;
    state.recent.push(...result.handled);
    if (state.recent.length > RECENT_KEPT) state.recent.splice(0, state.recent.length - RECENT_KEPT);
    const last = state.recent[state.recent.length - 1];
    setCurrentDetails(
      `**Consuming** — ${state.handled} message(s), ${state.malformed} malformed dropped${last ? `\n\nLast: ${last.kind} — ${last.action}` : ''}`
    );
  }
  await condition(allHandlersFinished);
  await continueAsNew<typeof interruptionWorkflow>({ ...input, state });
}
