import { PhoneNumberStatus, PortInRequestStatus } from '../../../src/twilio/porting-event';
import { DESK_LIMITS, formatRelative, rejectionAction, renderDesk } from '../../../src/workflows/desk';
import { initialState, note, recordPortability, recordRequest, setPhase } from '../../../src/workflows/state';
import type { PortInState } from '../../../src/workflows/state';
import { statusView } from '../../../src/workflows/status-view';
import { A, AT, B, C, KW1, KW2, PU_A, applyAll, numberEvent, portingOrder, requestEvent, sid, wf } from './fixtures';

const DAY = 86_400_000;
const ctx = { loaExpiryMs: 30 * DAY, autoCancelMs: null, nextReconcileAt: Date.parse(wf(360)) };
const asOf = Date.parse(wf(10));

function desk(state: PortInState, at = asOf, context = ctx): string {
  return renderDesk(statusView(state, context), at);
}

/** `portingOrder()` with A rejected (22154) in KW1 and B port pending. */
function actionRequired(): PortInState {
  return applyAll(portingOrder(), [
    requestEvent(KW1, PortInRequestStatus.ACTION_REQUIRED, { rawStatus: 'Action Required' }),
    numberEvent(KW1, A, PhoneNumberStatus.PORT_REJECTED, {
      rejectionReasonCode: 22154,
      rejectionReason: 'Invalid address: it does not match the losing carrier record',
    }),
    numberEvent(KW1, B, PhoneNumberStatus.PORT_PENDING),
  ]);
}

describe('the porting desk (current details)', () => {
  it('shows status, phase, counts per status, and each rejected number with its code, reason and action', () => {
    const md = desk(actionRequired());
    expect(md).toMatch(/^## Action Required · order order-1\n/);
    expect(md).toContain('Phase `porting`');
    expect(md).toContain('**2 numbers** — Port Rejected: **1** · Port Pending: **1**');
    expect(md).toContain('### Needs an operator (1)');
    const row = md.split('\n').find((l) => l.startsWith(`| \`${A}\` |`));
    expect(row).toContain('| 22154: Invalid address: it does not match the losing carrier record |');
    expect(row).toContain('`resubmitRejected` with the `address` as the losing carrier has it');
    // The cutoff is 72 h before the target date (2025-04-15), still ahead of the render time.
    expect(row).toContain('; or `cancelPhoneNumbers` by 2025-04-12 00:00 UTC |');
    expect(md).not.toContain(`| \`${B}\` |`);
    expect(md).toContain(`### Requests\n\n- \`${KW1}\` — Action Required, 2 numbers\n`);
  });

  it('names the action by rejection code: a new PIN, a new date, or a cancel', () => {
    expect(rejectionAction(22155)).toContain('`pins`');
    expect(rejectionAction(22158)).toContain('`targetPortInDate`');
    expect(rejectionAction(22159)).toMatch(/^`cancelPhoneNumbers`/);
    expect(rejectionAction(null)).toContain('`resubmitRejected`');
    const cancelOnly = applyAll(portingOrder(), [
      numberEvent(KW1, A, PhoneNumberStatus.PORT_REJECTED, {
        rejectionReasonCode: 22159,
        rejectionReason: 'Not portable',
      }),
    ]);
    expect(desk(cancelOnly)).toContain(
      '`cancelPhoneNumbers`: not portable, says the losing carrier (by 2025-04-12 00:00 UTC) |'
    );
    expect(rejectionAction(29999)).toBe(rejectionAction(null));
  });

  it('says when a rejected number is past its cancel cutoff', () => {
    const md = desk(actionRequired(), Date.parse('2025-04-13T00:00:00Z'));
    expect(md).toContain('its cancel cutoff, 2025-04-12 00:00 UTC, has passed');
  });

  it('gives the next deadlines in absolute and relative time, as of the render', () => {
    const waiting = applyAll(portingOrder(), [
      requestEvent(KW1, PortInRequestStatus.WAITING_FOR_SIGNATURE, { rawStatus: 'Waiting for Signature' }),
    ]);
    const md = desk(waiting);
    expect(md).toContain("### Next deadlines (as of 2025-03-01 12:10 UTC, the order's last change)");
    // Waiting since AT (12:00), 30 days of LOA: 2025-03-31 12:00, about 30 days after 12:10.
    expect(md).toContain(
      `- LOA expiry for ${KW1}: 2025-03-31 12:00 UTC (in ~30 days); the customer has not signed yet`
    );
    expect(md).toContain('- Cancel cutoff: 2025-04-12 00:00 UTC (in ~41 days)');
    expect(formatRelative(Date.parse(wf(0)), Date.parse(wf(180)))).toBe('~3 hours ago');
    expect(formatRelative(Date.parse(wf(1)), Date.parse(wf(0)))).toBe('in ~1 minute');
    expect(formatRelative(Date.parse(wf(0)), Date.parse(wf(0)))).toBe('in less than a minute');
  });

  it('shows why an order needs attention or failed', () => {
    const parked: PortInState = {
      ...portingOrder(),
      attention: {
        reason: 'CredentialsRefused',
        code: 20003,
        message: 'Twilio 401 code 20003: Authentication Error',
        operation: 'reconcile',
        since: AT,
        failures: 3,
      },
    };
    const md = desk(parked);
    expect(md).toMatch(/^## Needs Attention/);
    expect(md).toContain('### Needs attention: CredentialsRefused (20003)');
    expect(md).toContain('During reconcile: Twilio 401 code 20003: Authentication Error. 3 failed call(s) since');
    expect(md).toContain('next at 2025-03-01 18:00 UTC');

    const failed: PortInState = {
      ...setPhase(portingOrder(), 'failed', AT, 'failed'),
      failure: { type: 'CreateRefused', code: 22171, message: 'Twilio refused the request: missing fields' },
    };
    expect(desk(failed)).toContain('### Failed: CreateRefused (22171)\n\nTwilio refused the request: missing fields');
  });

  it('lists the last few timeline entries and requests with their sids, resubmissions included', () => {
    let state = actionRequired();
    state = recordRequest(
      state,
      { sid: KW2, numbers: [{ phoneNumber: A, phoneNumberSid: sid('PU', 0xa2) }], resubmissionOf: [KW1], found: false },
      wf(5)
    );
    for (let i = 0; i < 8; i++) state = note(state, { at: wf(6), kind: 'operator', message: `step ${i}` });
    const md = desk(state);
    expect(md).toContain(`- \`${KW2}\` — In Review, 1 number, resubmits from \`${KW1}\``);
    const events = md.slice(md.indexOf('### Latest events'));
    expect(events.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(DESK_LIMITS.timelineEntries);
    expect(events).toContain('- 2025-03-01 12:06 UTC · operator: step 7');
    expect(events).not.toContain('step 2');
  });

  it('shows text from Twilio as text: no markdown, HTML or table breaks', () => {
    const state = applyAll(portingOrder(), [
      numberEvent(KW1, A, PhoneNumberStatus.PORT_REJECTED, {
        rejectionReasonCode: 22150,
        rejectionReason: 'Bad | <img src=x onerror=alert(1)> **bold**\nnext line',
      }),
    ]);
    const row = desk(state)
      .split('\n')
      .find((l) => l.startsWith(`| \`${A}\` |`))!;
    expect(row).toContain('Bad \\| \\<img src=x onerror=alert(1)\\> \\*\\*bold\\*\\* next line');
    expect(row.split(/(?<!\\)\|/)).toHaveLength(5);
  });

  it('never shows a PIN or an account number: they stay in the order input, which the view does not carry', () => {
    const PIN = '90817263';
    const ACCOUNT = 'ACCT-PII-55102938';
    const order = { phoneNumbers: [{ phoneNumber: A, pin: PIN }, { phoneNumber: C }], accountNumber: ACCOUNT };
    let state = initialState({
      orderId: 'o-pii',
      customerRef: 'cust-1',
      phoneNumbers: order.phoneNumbers.map((n) => n.phoneNumber),
      targetPortInDate: '2025-04-15',
    });
    state = recordPortability(
      state,
      [
        { phoneNumber: A, portable: true, code: null, reason: null },
        { phoneNumber: C, portable: false, code: 22132, reason: 'ALREADY_IN_TWILIO_DIFFERENT_OWNER' },
      ],
      AT
    );
    state = recordRequest(state, { sid: KW1, numbers: [{ phoneNumber: A, phoneNumberSid: PU_A }], found: false }, AT);
    state = applyAll(setPhase(state, 'porting', AT, 'porting'), [
      numberEvent(KW1, A, PhoneNumberStatus.PORT_REJECTED, {
        rejectionReasonCode: 22155,
        rejectionReason: 'Invalid PIN',
      }),
    ]);
    const md = desk(state);
    expect(md).toContain('| 22155: Invalid PIN |');
    expect(md).not.toContain(PIN);
    expect(md).not.toContain(ACCOUNT);
  });

  it('stays small for a 1,000-number order: counts plus at most 20 numbers needing action', () => {
    const numbers = Array.from({ length: 1000 }, (_, i) => `+1415555${String(i).padStart(4, '0')}`);
    let state = initialState({
      orderId: 'big',
      customerRef: 'cust-1',
      phoneNumbers: numbers,
      targetPortInDate: '2025-04-15',
    });
    state = recordPortability(
      state,
      numbers.map((phoneNumber) => ({ phoneNumber, portable: true, code: null, reason: null })),
      AT
    );
    state = recordRequest(
      state,
      {
        sid: KW1,
        numbers: numbers.map((phoneNumber, i) => ({ phoneNumber, phoneNumberSid: sid('PU', i + 1) })),
        found: false,
      },
      AT
    );
    state = setPhase(state, 'porting', AT, 'porting');
    // 300 rejected with a long reason, 500 completed, the rest pending (set directly: 1,000 reducer
    // steps would only slow the test down).
    const reason = 'Invalid address: it does not match the losing carrier record '.repeat(5);
    const moved = { ...state.numbers };
    numbers.forEach((p, i) => {
      const n = moved[p]!;
      moved[p] =
        i < 300
          ? { ...n, status: 'port_rejected', rejection: { code: 22154, reason, at: AT } }
          : { ...n, status: i < 800 ? 'completed' : 'port_pending' };
    });
    state = { ...state, numbers: moved };
    const md = desk(state);
    expect(md).toContain('**1000 numbers** — Port Rejected: **300** · Completed: **500** · Port Pending: **200**');
    expect(md).toContain('### Needs an operator (300)');
    expect(md.split('\n').filter((l) => /^\| `\+1/.test(l))).toHaveLength(DESK_LIMITS.actionRows);
    expect(md).toContain('…and 280 more number(s) need an operator');
    // A bound that holds however large the order: independent of the number count.
    expect(md.length).toBeLessThan(12_000);
    expect(Buffer.byteLength(md)).toBeLessThan(12_000);
  });
});
