/**
 * Bootstrap user data per AMI family (Karpenter `pkg/providers/amifamily/bootstrap`), merged with the user's:
 * - AL2023: a MIME multipart document whose Karpenter part is a nodeadm `NodeConfig` (cluster, kubelet config with
 *   `registerWithTaints`, `--node-labels` flag). The user's parts come first; nodeadm merges NodeConfigs in order, so
 *   the fields Karpenter must control (cluster, labels, taints, maxPods) are set by the last one.
 * - Bottlerocket: TOML; the user's settings are kept and Karpenter's `settings.kubernetes` keys override them.
 * - Custom: the user's user data unchanged.
 * Every function returns plain text; the launch template base64-encodes it.
 */
import { stringify } from 'yaml';
import type { AmiFamily, KubeletConfiguration } from './nodeclass.js';

export const UNREGISTERED_TAINT = { key: 'karpenter.sh/unregistered', effect: 'NoExecute' } as const;

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface BootstrapOptions {
  clusterName: string;
  clusterEndpoint: string;
  /** Base64 PEM of the cluster CA. */
  caBundle?: string;
  /** Service CIDR (nodeadm needs it to derive cluster DNS). */
  clusterCIDR?: string;
  labels: Record<string, string>;
  /** NodeClaim taints and startup taints; the unregistered taint is always added. */
  taints: Taint[];
  kubelet?: KubeletConfiguration;
  /** Max pods for the instance types this user data is for (Karpenter groups launch templates by it). */
  maxPods?: number;
  customUserData?: string;
}

const MIME_BOUNDARY = '//';

/** Unregistered taint first, then the NodeClaim's, without duplicates (Karpenter relies on it to hold pods off). */
export function registrationTaints(taints: readonly Taint[]): Taint[] {
  const out: Taint[] = [{ ...UNREGISTERED_TAINT }];
  for (const t of taints) {
    if (!out.some((o) => o.key === t.key && o.effect === t.effect)) out.push({ ...t });
  }
  return out;
}

/**
 * The labels kubelet will accept in `--node-labels`: it refuses the kubernetes.io and k8s.io namespaces except its
 * allow-list (node.kubernetes.io, *.kubelet.kubernetes.io, topology.kubernetes.io, arch/os/hostname), and a node
 * asking for a refused one never registers.
 */
export function kubeletLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) {
    const slash = key.indexOf('/');
    const domain = slash < 0 ? '' : key.slice(0, slash);
    const restricted = ['kubernetes.io', 'k8s.io'].some((ns) => domain === ns || domain.endsWith(`.${ns}`));
    const allowed =
      !restricted ||
      domain === 'node.kubernetes.io' ||
      domain.endsWith('.node.kubernetes.io') ||
      domain.endsWith('.kubelet.kubernetes.io') ||
      domain === 'topology.kubernetes.io' ||
      ['kubernetes.io/arch', 'kubernetes.io/os', 'kubernetes.io/hostname'].includes(key);
    if (allowed) out[key] = value;
  }
  return out;
}

/** `k1=v1,k2=v2`, sorted so the same labels always give the same user data (and launch template hash). */
export function nodeLabelsFlag(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

function al2023NodeConfig(options: BootstrapOptions): string {
  const kubelet = options.kubelet ?? {};
  const config: Record<string, unknown> = {
    registerWithTaints: registrationTaints(options.taints).map((t) => ({
      key: t.key,
      ...(t.value !== undefined && t.value !== '' ? { value: t.value } : {}),
      effect: t.effect,
    })),
  };
  const maxPods = kubelet.maxPods ?? options.maxPods;
  if (maxPods !== undefined) config['maxPods'] = maxPods;
  if (kubelet.clusterDNS !== undefined) config['clusterDNS'] = kubelet.clusterDNS;
  if (kubelet.podsPerCore !== undefined) config['podsPerCore'] = kubelet.podsPerCore;
  if (kubelet.systemReserved !== undefined) config['systemReserved'] = kubelet.systemReserved;
  if (kubelet.kubeReserved !== undefined) config['kubeReserved'] = kubelet.kubeReserved;
  if (kubelet.evictionHard !== undefined) config['evictionHard'] = kubelet.evictionHard;
  if (kubelet.evictionSoft !== undefined) config['evictionSoft'] = kubelet.evictionSoft;
  if (kubelet.evictionSoftGracePeriod !== undefined)
    config['evictionSoftGracePeriod'] = kubelet.evictionSoftGracePeriod;
  if (kubelet.evictionMaxPodGracePeriod !== undefined)
    config['evictionMaxPodGracePeriod'] = kubelet.evictionMaxPodGracePeriod;
  if (kubelet.imageGCHighThresholdPercent !== undefined)
    config['imageGCHighThresholdPercent'] = kubelet.imageGCHighThresholdPercent;
  if (kubelet.imageGCLowThresholdPercent !== undefined)
    config['imageGCLowThresholdPercent'] = kubelet.imageGCLowThresholdPercent;
  if (kubelet.cpuCFSQuota !== undefined) config['cpuCFSQuota'] = kubelet.cpuCFSQuota;
  const nodeConfig = {
    apiVersion: 'node.eks.aws/v1alpha1',
    kind: 'NodeConfig',
    spec: {
      cluster: {
        name: options.clusterName,
        apiServerEndpoint: options.clusterEndpoint,
        ...(options.caBundle !== undefined ? { certificateAuthority: options.caBundle } : {}),
        ...(options.clusterCIDR !== undefined ? { cidr: options.clusterCIDR } : {}),
      },
      kubelet: {
        config,
        flags: [`--node-labels="${nodeLabelsFlag(options.labels)}"`],
      },
    },
  };
  return stringify(nodeConfig, { lineWidth: 0 });
}

interface MimePart {
  contentType: string;
  body: string;
}

/** The parts of a MIME multipart document; undefined when the text is not one. */
export function parseMimeParts(text: string): MimePart[] | undefined {
  const header = /^Content-Type:\s*multipart\/mixed;\s*boundary="?([^"\r\n]+)"?/im.exec(text);
  if (!header) return undefined;
  const boundary = header[1]!;
  const parts: MimePart[] = [];
  const chunks = text.split(`--${boundary}`);
  for (const chunk of chunks.slice(1)) {
    if (chunk.startsWith('--')) break;
    const body = chunk.replace(/^\r?\n/, '');
    const split = /\r?\n\r?\n/.exec(body);
    if (!split) continue;
    const headers = body.slice(0, split.index);
    const contentType = /^Content-Type:\s*(.+)$/im.exec(headers)?.[1]?.trim() ?? 'text/x-shellscript';
    parts.push({ contentType, body: body.slice(split.index + split[0].length).replace(/\r?\n$/, '') });
  }
  return parts;
}

/** A user's part: MIME parts as they are; a bare NodeConfig as a nodeadm part; anything else as a shell script. */
function userParts(customUserData: string | undefined): MimePart[] {
  if (customUserData === undefined || customUserData.trim() === '') return [];
  const parsed = parseMimeParts(customUserData);
  if (parsed !== undefined) return parsed;
  if (/^\s*kind:\s*NodeConfig/m.test(customUserData)) {
    return [{ contentType: 'application/node.eks.aws', body: customUserData.trimEnd() }];
  }
  return [{ contentType: 'text/x-shellscript; charset="us-ascii"', body: customUserData.trimEnd() }];
}

function renderMime(parts: readonly MimePart[]): string {
  const lines = ['MIME-Version: 1.0', `Content-Type: multipart/mixed; boundary="${MIME_BOUNDARY}"`, ''];
  for (const part of parts) {
    lines.push(`--${MIME_BOUNDARY}`, `Content-Type: ${part.contentType}`, '', part.body.trimEnd());
  }
  lines.push(`--${MIME_BOUNDARY}--`, '');
  return lines.join('\n');
}

export function al2023UserData(options: BootstrapOptions): string {
  return renderMime([
    ...userParts(options.customUserData),
    { contentType: 'application/node.eks.aws', body: al2023NodeConfig(options) },
  ]);
}

/** A TOML document as ordered tables of `key = raw value` lines (enough for Bottlerocket settings). */
type TomlTables = Map<string, Map<string, string>>;

/**
 * Reads `[table]` headers and `key = value` lines, keeping values as raw TOML text. Inline tables, arrays and
 * strings on one line are kept intact; multi-line values and arrays of tables are not supported (Bottlerocket
 * settings do not need them), and such lines are kept under their table verbatim.
 */
export function parseTomlTables(text: string): TomlTables {
  const tables: TomlTables = new Map([['', new Map()]]);
  let current = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[([^[\]]+)\]$/.exec(line);
    if (header) {
      current = header[1]!.trim();
      if (!tables.has(current)) tables.set(current, new Map());
      continue;
    }
    const entry = /^("[^"]*"|[A-Za-z0-9_.-]+)\s*=\s*(.+)$/.exec(line);
    if (!entry) continue;
    tables.get(current)!.set(entry[1]!, entry[2]!);
  }
  return tables;
}

const tomlString = (value: string): string => JSON.stringify(value);
const tomlKey = (key: string): string => (/^[A-Za-z0-9_-]+$/.test(key) ? key : tomlString(key));

export function bottlerocketUserData(options: BootstrapOptions): string {
  const tables = parseTomlTables(options.customUserData ?? '');
  const set = (table: string, key: string, value: string): void => {
    const t = tables.get(table) ?? new Map<string, string>();
    t.set(key, value);
    tables.set(table, t);
  };
  set('settings.kubernetes', 'cluster-name', tomlString(options.clusterName));
  set('settings.kubernetes', 'api-server', tomlString(options.clusterEndpoint));
  if (options.caBundle !== undefined) set('settings.kubernetes', 'cluster-certificate', tomlString(options.caBundle));
  const maxPods = options.kubelet?.maxPods ?? options.maxPods;
  if (maxPods !== undefined) set('settings.kubernetes', 'max-pods', String(maxPods));
  if (options.kubelet?.clusterDNS?.[0] !== undefined)
    set('settings.kubernetes', 'cluster-dns-ip', tomlString(options.kubelet.clusterDNS[0]));
  for (const key of Object.keys(options.labels).sort()) {
    set('settings.kubernetes.node-labels', tomlString(key), tomlString(options.labels[key]!));
  }
  const byKey = new Map<string, string[]>();
  for (const t of registrationTaints(options.taints)) {
    byKey.set(t.key, [...(byKey.get(t.key) ?? []), `${t.value ?? ''}:${t.effect}`]);
  }
  for (const [key, values] of byKey) {
    set('settings.kubernetes.node-taints', tomlString(key), `[${values.map(tomlString).join(', ')}]`);
  }
  const lines: string[] = [];
  for (const [table, entries] of tables) {
    if (entries.size === 0) continue;
    if (table !== '') lines.push(`[${table}]`);
    for (const [key, value] of entries) lines.push(`${key.startsWith('"') ? key : tomlKey(key)} = ${value}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** User data for the family; `Custom` passes the user's through unchanged (Karpenter does not bootstrap it). */
export function renderUserData(family: AmiFamily, options: BootstrapOptions): string {
  switch (family) {
    case 'AL2023':
      return al2023UserData(options);
    case 'Bottlerocket':
      return bottlerocketUserData(options);
    case 'Custom':
      return options.customUserData ?? '';
    default:
      // AL2 and Windows are not built yet; refusing is better than launching nodes that never join.
      throw new Error(`user data for AMI family ${family} is not supported by this provider`);
  }
}
