// The workflows module the worker bundles (workflowsPath). Export workflows only from here.
export { portInWorkflow } from './port-in-workflow';
export { portInInboxWorkflow } from './inbox-workflow';
