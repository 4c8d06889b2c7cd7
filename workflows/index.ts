// Every workflow the worker registers. Workflow files import activities as types only.
export { preflightWorkflow } from './preflight.js';
export { nodeClaimWorkflow } from './nodeclaim/workflow.js';
export { provisioningWorkflow } from './provisioning/workflow.js';
export { disruptionWorkflow } from './disruption/workflow.js';
export { interruptionWorkflow } from './interruption/workflow.js';
export { garbageCollectionWorkflow } from './garbage-collection/workflow.js';
