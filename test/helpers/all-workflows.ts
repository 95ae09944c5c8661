// The one workflow bundle of a test run: portflow's workflows plus the harness's own fixtures.
export * from '../../src/workflows';
export * from '../fixtures/harness-workflows';
export * from '../fixtures/webhook-workflows';
