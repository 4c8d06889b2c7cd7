/**
 * Checks for every signal and update payload the workflows take, run before a payload touches workflow state.
 *
 * Pure and zod-free on purpose: it runs inside the workflow sandbox on every message (and on every replay), so it
 * must be deterministic, cheap and free of `eval`-style code paths. A check returns the *normalised* value — a fresh
 * object with only the known fields, strings within their bounds — so nothing the sender made up (extra keys,
 * `__proto__`, megabyte strings) is ever stored in state, where it would be carried through queries,
 * continue-as-new and every later history.
 *
 * How a failure is used: a bad signal is logged and ignored (signals cannot be refused); a bad update is rejected by
 * its validator with {@link invalidPayload}, an ApplicationFailure of type {@link INVALID_PAYLOAD}, before it enters
 * history. Never a plain throw from a handler: that fails the workflow task, which Temporal retries forever.
 */
import { ApplicationFailure } from '@temporalio/common';

import type { NodeObservation } from '../core/lifecycle/node-observation.js';

/** The stable `type` of an update refused for its payload. */
export const INVALID_PAYLOAD = 'InvalidPayload';

export type Checked<T> = { ok: true; value: T } | { ok: false; field: string; message: string };

/** Bounds, from the Kubernetes field limits where there is one. */
export const LIMITS = {
  /** DNS subdomain: Node, Pod names. */
  name: 253,
  /** Qualified name with a DNS-subdomain prefix: taint keys, extended resource names. */
  qualifiedName: 317,
  /** A label value: taint values. */
  labelValue: 63,
  /** A providerID (`aws:///us-east-1a/i-0123…`, `kwok://…`); generous, the apiserver sets none. */
  providerID: 1024,
  /** Free text an operator reads later: disrupt and pause reasons. */
  reason: 1024,
  /** `cli`, `disruption/consolidation`, `interruption`... */
  requestedBy: 253,
  /** More taints or extended resources than any real Node carries. */
  listLength: 256,
  /** Pods in one podsPending signal (the watcher sends far fewer; 2 MB payload cap anyway). */
  podKeys: 10_000,
} as const;

/** How much of a bad value an error message quotes: enough to recognise it, never the whole megabyte. */
const QUOTE = 64;

/** `value` as JSON, cut to a recognisable prefix; safe for any input (cycles, BigInt, functions). */
export function quote(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > QUOTE ? `${text.slice(0, QUOTE)}… (${text.length} chars)` : text;
}

/** `text` cut to `max` characters, so a long but otherwise valid string can be kept without growing state. */
export function bounded(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const fail = <T>(field: string, message: string): Checked<T> => ({ ok: false, field, message });

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Own, enumerable keys only: `JSON.parse('{"__proto__": …}')` makes an own key, never a prototype. */
const has = (record: Record<string, unknown>, key: string): boolean =>
  Object.prototype.hasOwnProperty.call(record, key);

function checkString(
  value: unknown,
  field: string,
  max: number,
  options: { nonEmpty?: boolean } = {}
): Checked<string> {
  if (typeof value !== 'string') return fail(field, `must be a string, got ${quote(value)}`);
  if (options.nonEmpty && value.trim() === '') return fail(field, 'must not be empty');
  if (value.length > max) return fail(field, `is longer than ${max} characters (${value.length})`);
  return { ok: true, value };
}

function checkStringList(value: unknown, field: string, maxItem: number): Checked<string[]> {
  if (!Array.isArray(value)) return fail(field, `must be an array of strings, got ${quote(value)}`);
  if (value.length > LIMITS.listLength) return fail(field, `has more than ${LIMITS.listLength} entries`);
  const out: string[] = [];
  for (const [index, item] of value.entries()) {
    const checked = checkString(item, `${field}[${index}]`, maxItem, { nonEmpty: true });
    if (!checked.ok) return checked;
    out.push(checked.value);
  }
  return { ok: true, value: out };
}

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

function checkTaints(value: unknown): Checked<NodeObservation['taints']> {
  if (!Array.isArray(value)) return fail('taints', `must be an array, got ${quote(value)}`);
  if (value.length > LIMITS.listLength) return fail('taints', `has more than ${LIMITS.listLength} entries`);
  const out: NodeObservation['taints'] = [];
  for (const [index, taint] of value.entries()) {
    const at = `taints[${index}]`;
    if (!isRecord(taint)) return fail(at, `must be an object {key, value?, effect}, got ${quote(taint)}`);
    const key = checkString(taint['key'], `${at}.key`, LIMITS.qualifiedName, { nonEmpty: true });
    if (!key.ok) return key;
    if (typeof taint['effect'] !== 'string' || !TAINT_EFFECTS.includes(taint['effect'])) {
      return fail(`${at}.effect`, `must be one of ${TAINT_EFFECTS.join(', ')}, got ${quote(taint['effect'])}`);
    }
    const entry: NodeObservation['taints'][number] = { key: key.value, effect: taint['effect'] };
    if (has(taint, 'value') && taint['value'] !== undefined) {
      const taintValue = checkString(taint['value'], `${at}.value`, LIMITS.labelValue);
      if (!taintValue.ok) return taintValue;
      entry.value = taintValue.value;
    }
    out.push(entry);
  }
  return { ok: true, value: out };
}

/**
 * The `nodeObserved` signal: what the cluster watcher saw of the NodeClaim's Node. Unknown fields are dropped (a
 * newer watcher may send more); every known field must have its type, and lists their element types, because the
 * lifecycle reads them on every step (a `null` taint would fail every later workflow task).
 */
export function checkNodeObservation(value: unknown): Checked<NodeObservation> {
  if (!isRecord(value)) return fail('<root>', `must be an object, got ${quote(value)}`);
  const name = checkString(value['name'], 'name', LIMITS.name, { nonEmpty: true });
  if (!name.ok) return name;
  const providerID = checkString(value['providerID'], 'providerID', LIMITS.providerID);
  if (!providerID.ok) return providerID;
  if (typeof value['ready'] !== 'boolean') return fail('ready', `must be true or false, got ${quote(value['ready'])}`);
  const deleting = value['deleting'] ?? false;
  if (typeof deleting !== 'boolean') return fail('deleting', `must be true or false, got ${quote(deleting)}`);
  const taints = checkTaints(value['taints']);
  if (!taints.ok) return taints;
  const resources = checkStringList(value['allocatableResources'], 'allocatableResources', LIMITS.qualifiedName);
  if (!resources.ok) return resources;
  const observation: NodeObservation = {
    name: name.value,
    providerID: providerID.value,
    ready: value['ready'],
    deleting,
    taints: taints.value,
    allocatableResources: resources.value,
  };
  const doNotDisrupt = value['doNotDisrupt'];
  if (doNotDisrupt !== undefined) {
    if (typeof doNotDisrupt !== 'string') return fail('doNotDisrupt', `must be a string, got ${quote(doNotDisrupt)}`);
    // An annotation value the operator wrote: kept (cut), never a reason to lose the whole observation.
    observation.doNotDisrupt = bounded(doNotDisrupt, LIMITS.reason);
  }
  return { ok: true, value: observation };
}

export interface DisruptPayload {
  reason: string;
  force?: boolean;
  requestedBy?: string;
}

const DISRUPT_FIELDS = ['reason', 'force', 'requestedBy'];

/** The `disrupt` update's request. Unknown fields are refused: an operator's typo (`froce`) must not go unnoticed. */
export function checkDisruptRequest(value: unknown): Checked<DisruptPayload> {
  if (!isRecord(value)) {
    return fail('<root>', `disrupt takes an object {"reason": "...", "force": false}, got ${quote(value)}`);
  }
  const unknown = Object.keys(value).filter((key) => !DISRUPT_FIELDS.includes(key));
  if (unknown.length > 0) {
    return fail(
      unknown[0]!,
      `unknown field(s) ${unknown
        .slice(0, 5)
        .map((key) => quote(key))
        .join(', ')}`
    );
  }
  if (typeof value['reason'] !== 'string' || value['reason'].trim() === '') {
    return fail('reason', '"reason" is required (a non-empty string)');
  }
  const reason = checkString(value['reason'], 'reason', LIMITS.reason);
  if (!reason.ok) return reason;
  const request: DisruptPayload = { reason: reason.value };
  if (value['force'] !== undefined) {
    if (typeof value['force'] !== 'boolean')
      return fail('force', `must be true or false, got ${quote(value['force'])}`);
    request.force = value['force'];
  }
  if (value['requestedBy'] !== undefined) {
    const requestedBy = checkString(value['requestedBy'], 'requestedBy', LIMITS.requestedBy, { nonEmpty: true });
    if (!requestedBy.ok) return requestedBy;
    request.requestedBy = requestedBy.value;
  }
  return { ok: true, value: request };
}

/** Pod keys `namespace/name`: a DNS label, a slash, a DNS subdomain. */
const POD_KEY = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\/[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/**
 * The `podsPending` signal: keys that are not `namespace/name` are dropped one by one (the rest of a batch is still
 * good); a payload that is not an array, or is absurdly long, is refused whole.
 */
export function checkPodKeys(value: unknown): Checked<{ keys: string[]; dropped: number }> {
  if (!Array.isArray(value)) return fail('<root>', `must be an array of namespace/name keys, got ${quote(value)}`);
  if (value.length > LIMITS.podKeys) return fail('<root>', `has more than ${LIMITS.podKeys} keys (${value.length})`);
  const keys = value.filter((key): key is string => typeof key === 'string' && POD_KEY.test(key));
  return { ok: true, value: { keys, dropped: value.length - keys.length } };
}

/**
 * The `pause` signals (provisioning and disruption). Pausing is a safety action, so a bad reason never stops it:
 * a missing or non-string reason becomes the default, a long one is cut.
 */
export function checkPauseRequest(value: unknown): { reason: string } {
  const reason = isRecord(value) && typeof value['reason'] === 'string' ? value['reason'].trim() : '';
  return { reason: reason === '' ? 'paused by signal' : bounded(reason, LIMITS.reason) };
}

/** The `dryRun` signal: exactly true or false. */
export function checkDryRun(value: unknown): Checked<boolean> {
  return typeof value === 'boolean'
    ? { ok: true, value }
    : fail('<root>', `must be true or false, got ${quote(value)}`);
}

/** `field: message` for a log line or a failure, never longer than a few hundred characters. */
export function describeProblem(what: string, problem: { field: string; message: string }): string {
  return bounded(`${what}: ${problem.field}: ${problem.message}`, 512);
}

/** The failure an update validator throws for a bad payload: typed, non-retryable, bounded message. */
export function invalidPayload(what: string, problem: { field: string; message: string }): ApplicationFailure {
  return ApplicationFailure.create({
    type: INVALID_PAYLOAD,
    nonRetryable: true,
    message: describeProblem(what, problem),
    details: [{ field: problem.field }],
  });
}
