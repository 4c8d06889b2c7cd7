import type { V1Taint } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';

/** What a node's bootstrap asks kubelet to register with: labels and taints. */
export interface Bootstrap {
  labels: Record<string, string>;
  taints: V1Taint[];
}

/**
 * Reads the labels and taints out of user data the way the node's bootstrap would hand them to kubelet:
 * AL2023 nodeadm NodeConfig (MIME multipart; `kubelet.flags` --node-labels / --register-with-taints and
 * `kubelet.config.registerWithTaints`), Bottlerocket TOML (`settings.kubernetes.node-labels` / `node-taints`),
 * or a bootstrap.sh command line with `--kubelet-extra-args`.
 */
export function parseBootstrap(userData: string): Bootstrap {
  const labels: Record<string, string> = {};
  const taints: V1Taint[] = [];
  const addTaint = (taint: V1Taint): void => {
    if (!taints.some((t) => t.key === taint.key && t.effect === taint.effect)) taints.push(taint);
  };

  for (const match of userData.matchAll(/--node-labels[= ]"?([^"\s']+)"?/g)) {
    for (const pair of match[1]!.split(',')) {
      const [key, value = ''] = pair.split('=');
      if (key) labels[key] = value;
    }
  }
  for (const match of userData.matchAll(/--register-with-taints[= ]"?([^"\s']+)"?/g)) {
    for (const spec of match[1]!.split(',')) {
      const taint = parseTaint(spec);
      if (taint) addTaint(taint);
    }
  }

  if (userData.includes('NodeConfig')) {
    for (const part of userData.split(/^--[^\n]*$/m)) {
      if (!part.includes('NodeConfig')) continue;
      const body = part.replace(/^(Content-[^\n]*\n|MIME-Version[^\n]*\n)+/m, '');
      for (const doc of parseAllDocuments(body)) {
        const config = doc.toJS() as { spec?: { kubelet?: { config?: { registerWithTaints?: V1Taint[] } } } } | null;
        for (const taint of config?.spec?.kubelet?.config?.registerWithTaints ?? []) addTaint(taint);
      }
    }
  }

  let section = '';
  for (const raw of userData.split('\n')) {
    const line = raw.trim();
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!.trim();
      continue;
    }
    const entry = /^"?([^"=]+?)"?\s*=\s*(.+)$/.exec(line);
    if (!entry) continue;
    const key = entry[1]!.trim();
    if (section === 'settings.kubernetes.node-labels') {
      labels[key] = entry[2]!.trim().replace(/^"|"$/g, '');
    } else if (section === 'settings.kubernetes.node-taints') {
      for (const value of entry[2]!.matchAll(/"([^"]*)"/g)) {
        const taint = parseTaint(`${key}=${value[1]}`);
        if (taint) addTaint(taint);
      }
    }
  }
  return { labels, taints };
}

/** `key[=value]:Effect` → a Taint. */
export function parseTaint(spec: string): V1Taint | undefined {
  const match = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(spec.trim());
  if (!match) return undefined;
  return { key: match[1]!, ...(match[2] ? { value: match[2] } : {}), effect: match[3]! };
}
