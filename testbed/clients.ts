import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { KubeConfig } from '@kubernetes/client-node';
import type { AwsEndpoints } from './moto.js';
import type { KubernetesEndpoints } from './kubernetes.js';

/** Clients for the test bed's parts, built from its endpoints (tests, the bridge and the sandbox use these). */
export function kubeConfigFor(kubernetes: KubernetesEndpoints): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubernetes.kubeconfig);
  return kc;
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
