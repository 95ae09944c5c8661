/**
 * `portflow/events`: what a backend needs to receive portflow's lifecycle events — the verification
 * helper, the event catalogue and its types, and a secret generator. See README "Events for your backend".
 */
export { verifyPortflowEvent, PortflowEventVerificationError } from './verify';
export type { EventHeaders } from './verify';
export { eventsSecretProblem, generateEventsSecret } from './secret';
export { PORTFLOW_EVENT_TYPES, portflowEventId } from './types';
export type { PortflowEvent, PortflowEventBase, PortflowEventData, PortflowEventType } from './types';
