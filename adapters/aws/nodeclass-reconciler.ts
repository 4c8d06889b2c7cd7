/**
 * Activities that keep an EC2NodeClass's status true to AWS (Karpenter's nodeclass status controller) and clean up
 * what the provider created for it once it is deleted (its finalizer). Idempotent: resolving twice writes the same
 * status (conditions keep their transition times), and finalizing a class with nothing left is a no-op.
 */
import type { CustomObjectsApi } from '@kubernetes/client-node';
import {
  ec2NodeClassHash,
  NODECLASS_HASH_ANNOTATION,
  NODECLASS_HASH_VERSION,
  NODECLASS_HASH_VERSION_ANNOTATION,
} from './drift.js';
import { deleteInstanceProfile } from './instanceprofile.js';
import { LaunchTemplateProvider } from './launchtemplate.js';
import { resolveNodeClass, type NodeClassResolverDeps } from './nodeclass-resolver.js';
import { kubernetesNodeClasses, writeNodeClassAnnotations, writeNodeClassStatus } from './nodeclass-store.js';

export interface NodeClassReadiness {
  ready: boolean;
  /** The root Ready condition's message: which dependency is missing and why. */
  message: string;
}

export function createNodeClassReconciler(deps: NodeClassResolverDeps & { objects: CustomObjectsApi }) {
  const nodeClasses = kubernetesNodeClasses(deps.objects);
  return {
    /** Resolves the class against AWS, writes status and hash annotations; null when the class does not exist. */
    async reconcileNodeClassStatus(name: string): Promise<NodeClassReadiness | null> {
      const nodeClass = await nodeClasses.get(name);
      if (nodeClass === undefined) return null;
      const status = await resolveNodeClass(deps, nodeClass);
      await writeNodeClassStatus(deps.objects, name, status);
      await writeNodeClassAnnotations(deps.objects, name, {
        [NODECLASS_HASH_ANNOTATION]: ec2NodeClassHash(nodeClass.spec),
        [NODECLASS_HASH_VERSION_ANNOTATION]: NODECLASS_HASH_VERSION,
      });
      const ready = status.conditions?.find((c) => c.type === 'Ready');
      return { ready: ready?.status === 'True', message: ready?.message ?? '' };
    },

    /** Deletes the class's launch templates and, for a `role` class, the instance profile the provider made. */
    async finalizeNodeClass(name: string, ownsInstanceProfile: boolean): Promise<{ launchTemplates: string[] }> {
      const launchTemplates = await new LaunchTemplateProvider(
        deps.ec2,
        deps.clusterName,
        deps.clock
      ).deleteForNodeClass(name);
      if (ownsInstanceProfile) {
        await deleteInstanceProfile(deps.iam, {
          clusterName: deps.clusterName,
          region: deps.region,
          nodeClassName: name,
        });
      }
      return { launchTemplates };
    },
  };
}
