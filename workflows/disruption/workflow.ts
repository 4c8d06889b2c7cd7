import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { DisruptionActivities } from '../../activities/disruption/activities.js';
import type { DisruptionCommand, DisruptionDecision } from '../../core/disruption/types.js';
import { disruptionStateQuery, dryRunSignal, pauseDisruptionSignal, resumeDisruptionSignal } from './messages.js';
import { checkDryRun, checkPauseRequest, describeProblem } from '../payloads.js';
import {
  DEFAULT_DISRUPTION_SETTINGS,
  type DecisionOutcome,
  type DecisionRecord,
  type DisruptionState,
  type DisruptionWorkflowInput,
} from './state.js';

// A pass reads the cluster and runs scheduling simulations: Karpenter bounds them at 1 and 3 minutes.
const pass = proxyActivities<DisruptionActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '20 seconds', backoffCoefficient: 2 },
});
// Starting a command: a few tries, then the command is rolled back rather than retried forever.
const start = proxyActivities<DisruptionActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 3 },
});

const DECISIONS_KEPT = 30;
/** Karpenter re-runs consolidation at least every 5 minutes even when nothing seems to have changed. */
const CONSOLIDATED_TRUSTED_MS = 5 * 60_000;
const PASSES_PER_RUN = 500;

const money = (usd: number): string => `$${usd.toFixed(4)}/h`;

/**
 * The cluster's one disruption loop (id `disruption/<cluster>`), Karpenter's disruption controller as a workflow:
 * each pass runs the methods in order in one activity; a command is re-validated after 15 s, then started
 * (candidates tainted, replacements launched), and only when every replacement is Initialized are the candidates
 * handed to their NodeClaim workflows to drain; a replacement that fails rolls the command back. One command at a
 * time; every decision, with its reason and $/h saved, is kept in the state and shown in the UI.
 */
export async function disruptionWorkflow(input: DisruptionWorkflowInput): Promise<void> {
  const state: DisruptionState = input.state ?? {
    clusterName: input.clusterName,
    settings: { ...DEFAULT_DISRUPTION_SETTINGS, ...input.settings },
    podEvents: {},
    passes: 0,
    commands: 0,
    decisions: [],
    savedPerHour: 0,
  };
  const settings = state.settings;
  const acts = (timeoutMs: number) =>
    proxyActivities<DisruptionActivities>({
      startToCloseTimeout: timeoutMs + 60_000,
      heartbeatTimeout: '30 seconds',
      retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
    });

  setHandler(disruptionStateQuery, () => state);
  setHandler(pauseDisruptionSignal, (request: unknown) => {
    state.paused = { reason: checkPauseRequest(request).reason, at: new Date().toISOString() };
    show();
  });
  setHandler(resumeDisruptionSignal, () => {
    delete state.paused;
    show();
  });
  setHandler(dryRunSignal, (payload: unknown) => {
    const checked = checkDryRun(payload);
    if (!checked.ok) {
      log.warn('ignored a malformed dryRun signal', { problem: describeProblem('dryRun', checked) });
      return;
    }
    settings.dryRun = checked.value;
    show();
  });

  function show(): void {
    const last = state.decisions[state.decisions.length - 1];
    const lines = [
      `**${state.paused ? `Paused (${state.paused.reason})` : settings.dryRun ? 'Dry run' : 'Active'}** — pass ${state.passes}, ${state.commands} command(s), ${money(state.savedPerHour)} saved`,
    ];
    if (state.current) lines.push(`Now: ${state.current.step} — ${state.current.command.summary}`);
    if (last) lines.push(`Last decision (${last.outcome}): ${last.summary}${last.why ? ` — ${last.why}` : ''}`);
    if (state.lastPass)
      lines.push(`Last pass: ${state.lastPass.methods.map((m) => `${m.method}: ${m.outcome}`).join('; ')}`);
    setCurrentDetails(lines.join('\n\n'));
  }

  const record = (
    decision: DisruptionDecision,
    command: DisruptionCommand,
    outcome: DecisionOutcome,
    extra: { why?: string; replacements?: string[] } = {}
  ): void => {
    const entry: DecisionRecord = {
      pass: state.passes,
      at: new Date().toISOString(),
      outcome,
      method: command.method,
      summary: command.summary,
      savingsPerHour: command.savingsPerHour,
      candidates: command.candidates.map((c) => c.nodeClaim),
      replacements: extra.replacements ?? [],
      methods: decision.methods,
      ...(extra.why ? { why: extra.why } : {}),
    };
    state.decisions.push(entry);
    if (state.decisions.length > DECISIONS_KEPT) state.decisions.splice(0, state.decisions.length - DECISIONS_KEPT);
    if (outcome === 'executed')
      state.savedPerHour = Math.round((state.savedPerHour + command.savingsPerHour) * 1e6) / 1e6;
    delete state.current;
    show();
  };

  const failure = (err: unknown): string =>
    ((err instanceof ActivityFailure ? err.cause : err) as Error)?.message ?? String(err);

  /** Carries one command through: validate, start, wait for replacements, hand over, wait for the drain. */
  async function execute(decision: DisruptionDecision, command: DisruptionCommand): Promise<void> {
    if (command.method !== 'expiration' && command.method !== 'drift') {
      state.current = { key: '', command, step: `validating in ${settings.validationDelayMs / 1000} s` };
      show();
      await sleep(settings.validationDelayMs);
      const invalid = await pass.validateCommand(command, state.podEvents);
      if (invalid) return record(decision, command, 'invalidated', { why: invalid });
    }
    const key = `${workflowInfo().firstExecutionRunId}/${state.commands}`;
    state.commands += 1;
    state.current = { key, command, step: 'tainting candidates and launching replacements' };
    show();
    let replacements: string[];
    try {
      replacements = await start.startCommand({ commandKey: key, command });
    } catch (err) {
      await pass.rollBack(command, `could not start: ${failure(err)}`);
      return record(decision, command, 'rolled back', { why: failure(err) });
    }
    if (replacements.length > 0) {
      state.current.step = `waiting for ${replacements.join(', ')} to be Initialized`;
      show();
      let ready: { ok: boolean; why?: string };
      try {
        ready = await acts(settings.replacementTimeoutMs).awaitReplacements(replacements);
      } catch (err) {
        ready = { ok: false, why: `replacements not Initialized in time: ${failure(err)}` };
      }
      if (!ready.ok) {
        await pass.rollBack(command, ready.why ?? 'a replacement failed');
        return record(decision, command, 'rolled back', { why: ready.why ?? 'a replacement failed', replacements });
      }
    }
    state.current.step = 'handing candidates to their NodeClaim workflows';
    show();
    const outcomes = await pass.disruptCandidates(command);
    const refused = Object.entries(outcomes).filter(([, o]) => !o.accepted);
    const accepted = Object.keys(outcomes).filter((name) => outcomes[name]!.accepted);
    record(decision, command, refused.length === command.candidates.length ? 'refused' : 'executed', {
      replacements,
      ...(refused.length ? { why: refused.map(([name, o]) => `${name}: ${o.why}`).join('; ') } : {}),
    });
    if (accepted.length > 0) {
      // One command at a time: the next pass sees the cluster after these nodes are gone.
      await acts(settings.drainWaitMs).awaitGone(accepted, settings.drainWaitMs);
    }
  }

  show();
  for (let passesThisRun = 0; ; passesThisRun++) {
    if (workflowInfo().continueAsNewSuggested || passesThisRun >= PASSES_PER_RUN) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof disruptionWorkflow>({ clusterName: state.clusterName, state });
    }
    if (state.paused) await condition(() => !state.paused);
    state.passes += 1;
    const fresh =
      state.consolidated && Date.now() - Date.parse(state.consolidated.at) < CONSOLIDATED_TRUSTED_MS
        ? { consolidatedFingerprint: state.consolidated.fingerprint }
        : {};
    const { decision, podEvents } = await pass.decideDisruption({ podEvents: state.podEvents, ...fresh });
    state.podEvents = podEvents;
    // Keep the mark's first time while the cluster stays the same, so the forced re-check comes every 5 minutes.
    if (!decision.consolidatedFingerprint) delete state.consolidated;
    else if (decision.consolidatedFingerprint !== state.consolidated?.fingerprint || !fresh.consolidatedFingerprint)
      state.consolidated = { fingerprint: decision.consolidatedFingerprint, at: decision.at };
    state.lastPass = { pass: state.passes, at: decision.at, methods: decision.methods, excluded: decision.excluded };
    const command = decision.command;
    if (command && settings.dryRun) {
      record(decision, command, 'dry-run');
    } else if (command && !state.paused) {
      await execute(decision, command);
      continue; // Karpenter loops at once after an action
    }
    show();
    const paused = Boolean(state.paused);
    await condition(() => Boolean(state.paused) !== paused, settings.pollIntervalMs);
  }
}
