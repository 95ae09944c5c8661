/** What portInStatus, the workflow result and `portflow status` say about numbers after the port. */
import { renderStatus } from '../../../src/cli/render';
import { PhoneNumberStatus } from '../../../src/twilio/porting-event';
import { numbersToActivate, setActivation } from '../../../src/workflows/state';
import type { ActivationState, PortInState } from '../../../src/workflows/state';
import { orderResult, statusView } from '../../../src/workflows/status-view';
import { A, AT, B, portingOrder, withNumber } from './fixtures';

const ctx = { loaExpiryMs: 30 * 86_400_000, autoCancelMs: null, nextReconcileAt: Date.parse('2025-03-01T18:00:00Z') };
const PN = `PN${'1'.repeat(32)}`;

function activation(patch: Partial<ActivationState>): ActivationState {
  return {
    status: 'activating',
    phoneNumberSid: null,
    configured: [],
    messagingServiceSid: null,
    reason: null,
    code: null,
    checks: null,
    at: AT,
    ...patch,
  };
}

function completed(): PortInState {
  let s = portingOrder();
  s = withNumber(s, A, { status: PhoneNumberStatus.COMPLETED });
  return withNumber(s, B, { status: PhoneNumberStatus.COMPLETED });
}

describe('activation in the views', () => {
  it('lists completed numbers not yet activated, or cut short, as due', () => {
    let s = completed();
    expect(numbersToActivate(s).map((n) => n.phoneNumber)).toEqual([A, B]);
    s = setActivation(s, A, activation({ status: 'live', phoneNumberSid: PN }));
    s = setActivation(s, B, activation({}));
    expect(numbersToActivate(s).map((n) => n.phoneNumber)).toEqual([B]);
  });

  it('labels numbers "Ported, live" and "Ported, configuration failed: <reason>", with counts and the result', () => {
    let s = completed();
    s = setActivation(s, A, activation({ status: 'live', phoneNumberSid: PN, configured: ['voiceUrl'], checks: 1 }));
    s = setActivation(
      s,
      B,
      activation({ status: 'configuration_failed', reason: 'VoiceUrl is not valid', code: 21402 })
    );
    const view = statusView(s, ctx);
    const byNumber = Object.fromEntries(view.numbers.map((n) => [n.phoneNumber, n]));
    expect(byNumber[A]).toMatchObject({
      statusLabel: 'Ported, live',
      activation: { status: 'live', phoneNumberSid: PN },
    });
    expect(byNumber[B]!.statusLabel).toBe('Ported, configuration failed: VoiceUrl is not valid');
    expect(view.activation).toEqual({ activating: 0, live: 1, configurationFailed: 1 });
    expect(orderResult(s).numbers.find((n) => n.phoneNumber === B)!.activation).toEqual({
      status: 'configuration_failed',
      phoneNumberSid: null,
      reason: 'VoiceUrl is not valid',
    });
    const lines = renderStatus(view);
    expect(lines).toContain('After the port: 1 live, 1 configuration failed');
    expect(lines.some((l) => l.includes(B) && l.includes('configuration failed: 21402 VoiceUrl is not valid'))).toBe(
      true
    );
  });

  it('leaves the views of orders without activation as they were', () => {
    const view = statusView(completed(), ctx);
    expect(view.activation).toBeUndefined();
    expect(view.numbers.every((n) => n.activation === undefined)).toBe(true);
    expect(orderResult(completed()).numbers.every((n) => !('activation' in n))).toBe(true);
  });
});
