// Every workflow the worker registers. Workflow files import activities as types only.
export { preflightWorkflow } from './preflight.js';
export { nodeClaimWorkflow } from './nodeclaim/workflow.js';
export { provisioningWorkflow } from './provisioning/workflow.js';
