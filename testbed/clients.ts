import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { KubeConfig, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import type { AwsEndpoints } from './moto.js';
import type { KubernetesEndpoints } from './kubernetes.js';

/** Clients for the test bed's parts, built from its endpoints (tests, the bridge and the sandbox use these). */
export function kubeConfigFor(kubernetes: KubernetesEndpoints): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubernetes.kubeconfig);
  return kc;
}

/** Server-side apply of one manifest as `fieldManager` (idempotent: benches and runners re-apply their objects). */
export function serverSideApply(kc: KubeConfig, fieldManager: string): (doc: object) => Promise<unknown> {
  const objects = KubernetesObjectApi.makeApiClient(kc);
  return (doc) => objects.patch(doc as never, undefined, undefined, fieldManager, true, PatchStrategy.ServerSideApply);
}

/** Explicit credentials and endpoint: the SDK must never fall back to IMDS (169.254.169.254) or a real region. */
export function awsClientConfig(aws: AwsEndpoints, maxAttempts = 2) {
  return {
    region: aws.region,
    endpoint: aws.endpoint,
    credentials: { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey },
    maxAttempts,
  };
}

export function ec2Client(aws: AwsEndpoints, maxAttempts = 2): EC2Client {
  return new EC2Client(awsClientConfig(aws, maxAttempts));
}

export function iamClient(aws: AwsEndpoints): IAMClient {
  return new IAMClient(awsClientConfig(aws));
}
