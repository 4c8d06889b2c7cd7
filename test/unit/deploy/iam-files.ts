import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../scripts/check-iam.js';

/** The placeholders of deploy/iam/ (docs/deploy.md fills them in with envsubst). */
export const IAM_PLACEHOLDERS = [
  'CLUSTER_NAME',
  'AWS_PARTITION',
  'AWS_ACCOUNT_ID',
  'AWS_REGION',
  'OIDC_PROVIDER',
] as const;
export type IamVariables = Record<(typeof IAM_PLACEHOLDERS)[number], string>;

export const IAM_DIR = join(REPO_ROOT, 'deploy', 'iam');
export const IAM_POLICY_FILES = [
  'controller-policy.json',
  'controller-trust-policy-irsa.json',
  'controller-trust-policy-pod-identity.json',
  'node-trust-policy.json',
];

/** `envsubst '${CLUSTER_NAME} ...'`: only the listed placeholders are replaced. */
export function substitute(text: string, vars: IamVariables): string {
  return text.replace(/\$\{([A-Z_]+)\}/g, (whole, name: string) =>
    (IAM_PLACEHOLDERS as readonly string[]).includes(name) ? vars[name as keyof IamVariables] : whole
  );
}

export const readIamFile = (file: string, vars: IamVariables): string =>
  substitute(readFileSync(join(IAM_DIR, file), 'utf8'), vars);
