/**
 * AMIs by selector terms (Karpenter `pkg/providers/amifamily`): an alias through the public SSM parameters EKS and
 * Bottlerocket publish, or ids / names (+ owner) / tags / an SSM parameter through DescribeImages. Each AMI carries
 * the requirements an instance type must meet to boot it (architecture, GPU or not); the newest AMI per set of
 * requirements is kept, newest first.
 */
import { DescribeImagesCommand, type EC2Client, type Filter, type Image } from '@aws-sdk/client-ec2';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { AwsApiError, call, isNotFound } from './errors.js';
import { kubernetesArch, LABEL } from './instancetype.js';
import type { AmiRequirement, AmiSelectorTerm, ResolvedAmi } from './nodeclass.js';
import { tagFilters } from './selectors.js';

interface AliasVariant {
  parameter: string;
  requirements: AmiRequirement[];
}

const noGpu: AmiRequirement = { key: LABEL.gpuCount, operator: 'DoesNotExist' };
const nvidia: AmiRequirement = { key: LABEL.gpuManufacturer, operator: 'In', values: ['nvidia'] };
const arch = (a: 'amd64' | 'arm64'): AmiRequirement => ({ key: LABEL.arch, operator: 'In', values: [a] });

/**
 * SSM parameters an alias stands for, per variant. AL2023 `latest` is the `recommended` parameter, a pinned version
 * `v<date>` the release's own parameter; Bottlerocket `latest` or `v<semver>`. Neuron variants are not resolved:
 * the catalogue has no accelerator labels to match them against.
 */
export function aliasParameters(alias: string, kubernetesVersion: string): AliasVariant[] {
  const [family, version = 'latest'] = alias.split('@');
  if (family === 'al2023') {
    const variants: [string, string, AmiRequirement[]][] = [
      ['x86_64', 'standard', [arch('amd64'), noGpu]],
      ['arm64', 'standard', [arch('arm64'), noGpu]],
      ['x86_64', 'nvidia', [arch('amd64'), nvidia]],
    ];
    return variants.map(([a, variant, requirements]) => {
      const release =
        version === 'latest' ? 'recommended' : `amazon-eks-node-al2023-${a}-${variant}-${kubernetesVersion}-${version}`;
      return {
        parameter: `/aws/service/eks/optimized-ami/${kubernetesVersion}/amazon-linux-2023/${a}/${variant}/${release}/image_id`,
        requirements,
      };
    });
  }
  if (family === 'bottlerocket') {
    const release = version === 'latest' ? 'latest' : version.replace(/^v/, '');
    const variants: [string, string, AmiRequirement[]][] = [
      ['x86_64', '', [arch('amd64'), noGpu]],
      ['arm64', '', [arch('arm64'), noGpu]],
      ['x86_64', '-nvidia', [arch('amd64'), nvidia]],
      ['arm64', '-nvidia', [arch('arm64'), nvidia]],
    ];
    return variants.map(([a, flavour, requirements]) => ({
      parameter: `/aws/service/bottlerocket/aws-k8s-${kubernetesVersion}${flavour}/${a}/${release}/image_id`,
      requirements,
    }));
  }
  throw new Error(`AMI alias family ${family ?? ''} is not supported by this provider`);
}

async function parameterValue(ssm: SSMClient, name: string): Promise<string | undefined> {
  try {
    const out = await call('ssm:GetParameter', () => ssm.send(new GetParameterCommand({ Name: name })));
    return out.Parameter?.Value;
  } catch (error) {
    if (error instanceof AwsApiError && isNotFound(error)) return undefined;
    throw error;
  }
}

async function describeImages(
  ec2: EC2Client,
  input: { Filters?: Filter[]; Owners?: string[]; ImageIds?: string[] }
): Promise<Image[]> {
  const images: Image[] = [];
  let NextToken: string | undefined;
  do {
    const page = await call('ec2:DescribeImages', () =>
      ec2.send(
        new DescribeImagesCommand({
          ...input,
          ...(input.ImageIds === undefined ? { MaxResults: 1000 } : {}),
          ...(NextToken !== undefined ? { NextToken } : {}),
        })
      )
    );
    images.push(...(page.Images ?? []));
    NextToken = page.NextToken || undefined;
  } while (NextToken);
  return images;
}

const isDeprecated = (image: Image, now: number): boolean =>
  image.DeprecationTime !== undefined && Date.parse(image.DeprecationTime) <= now;

/** Newest first; keeps the newest AMI for each distinct requirement set (Karpenter `MapToInstanceTypes`). */
export function newestPerRequirements(amis: readonly (ResolvedAmi & { creationDate?: string })[]): ResolvedAmi[] {
  const sorted = [...amis].sort(
    (a, b) => (b.creationDate ?? '').localeCompare(a.creationDate ?? '') || (a.id < b.id ? -1 : 1)
  );
  const seen = new Set<string>();
  const out: ResolvedAmi[] = [];
  for (const ami of sorted) {
    const key = JSON.stringify(ami.requirements);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      id: ami.id,
      ...(ami.name !== undefined ? { name: ami.name } : {}),
      requirements: ami.requirements,
      ...(ami.deprecated ? { deprecated: true } : {}),
    });
  }
  return out;
}

export async function resolveAmis(
  ec2: EC2Client,
  ssm: SSMClient,
  terms: readonly AmiSelectorTerm[],
  kubernetesVersion: string,
  now: number
): Promise<ResolvedAmi[]> {
  const found: (ResolvedAmi & { creationDate?: string })[] = [];
  const alias = terms.find((t) => t.alias !== undefined)?.alias;
  if (alias !== undefined) {
    const variants = aliasParameters(alias, kubernetesVersion);
    const ids = await Promise.all(variants.map((v) => parameterValue(ssm, v.parameter)));
    const wanted = ids.filter((id): id is string => id !== undefined);
    const images = wanted.length === 0 ? [] : await describeImages(ec2, { ImageIds: [...new Set(wanted)] });
    variants.forEach((variant, i) => {
      const image = images.find((img) => img.ImageId === ids[i]);
      if (image?.ImageId === undefined) return;
      found.push({
        id: image.ImageId,
        ...(image.Name !== undefined ? { name: image.Name } : {}),
        requirements: variant.requirements,
        deprecated: isDeprecated(image, now),
        ...(image.CreationDate !== undefined ? { creationDate: image.CreationDate } : {}),
      });
    });
    return newestPerRequirements(found);
  }
  for (const term of terms) {
    let images: Image[];
    if (term.ssmParameter !== undefined) {
      const id = await parameterValue(ssm, term.ssmParameter);
      images = id === undefined ? [] : await describeImages(ec2, { ImageIds: [id] });
    } else {
      const filters: Filter[] = [...tagFilters(term.tags)];
      if (term.id !== undefined) filters.push({ Name: 'image-id', Values: [term.id] });
      if (term.name !== undefined) filters.push({ Name: 'name', Values: [term.name] });
      images = await describeImages(ec2, {
        Filters: filters,
        ...(term.owner !== undefined ? { Owners: [term.owner] } : {}),
      });
    }
    for (const image of images) {
      const a = kubernetesArch(image.Architecture);
      if (image.ImageId === undefined || a === undefined || (image.State !== undefined && image.State !== 'available'))
        continue;
      found.push({
        id: image.ImageId,
        ...(image.Name !== undefined ? { name: image.Name } : {}),
        requirements: [arch(a)],
        deprecated: isDeprecated(image, now),
        ...(image.CreationDate !== undefined ? { creationDate: image.CreationDate } : {}),
      });
    }
  }
  return newestPerRequirements(found);
}
