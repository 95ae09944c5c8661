/**
 * portInWorkflow: one execution per port-in order, from the portability check to the last number
 * completed or canceled. Webhooks (signals) are hints and the API (the reconciliation poll) is the
 * truth; both go through the one reducer in ./state. The order's state and behaviour live in
 * {@link PortInOrderWorkflow}; this entry only hands it the input.
 */
import type { PortInResult, PortInWorkflowInput } from './messages';
import { PortInOrderWorkflow } from './port-in-order';

export { MAX_NUMBERS_PER_REQUEST, PORT_IN_PATCHES } from './port-in-order';

export async function portInWorkflow(input: PortInWorkflowInput): Promise<PortInResult> {
  return new PortInOrderWorkflow(input).run();
}
