import { PhoneNumberStatus, PortInRequestStatus } from '../../../src/twilio/porting-event';
import {
  addedTimelineEntries,
  appendEvents,
  emptyOutbox,
  giveUpPending,
  lifecycleEvents,
  markDelivered,
  markFailed,
  OUTBOX_LIMIT,
  redactDraft,
  TIMELINE_EVENTS,
} from '../../../src/workflows/lifecycle-events';
import type { EventDraft } from '../../../src/workflows/lifecycle-events';
import { cancelWindowMessage, cancelWindows, markCancelWindowNoted } from '../../../src/workflows/deadlines';
import { note, setPhase, TIMELINE_LIMIT } from '../../../src/workflows/state';
import { statusView } from '../../../src/workflows/status-view';
import type { PortInState } from '../../../src/workflows/state';
import { A, apply, B, deepFreeze, KW1, numberEvent, portingOrder, wf, withNumber, withRequest } from './fixtures';

const DAY = 24 * 3_600_000;
const ctx = { loaExpiryMs: 30 * DAY };
const AT = wf(5);
const derive = (prev: PortInState | null, next: PortInState) =>
  lifecycleEvents(prev && deepFreeze(prev), deepFreeze(next), AT, ctx);
const types = (drafts: EventDraft[]) => drafts.map((d) => d.type);
const order = { workflowId: 'portin-order-1', firstRunId: 'run-1', orderId: 'order-1', customerRef: 'cust-1' };

describe('lifecycleEvents: what a change of state means for the backend', () => {
  const porting = portingOrder();

  it('says order.started at the start, with the numbers and target date', () => {
    expect(derive(null, porting)).toEqual([
      {
        type: 'order.started',
        timestamp: AT,
        data: { phoneNumbers: [A, B], targetPortInDate: '2025-04-15', status: expect.any(String) },
      },
    ]);
  });

  it('says nothing when nothing a backend cares about changed', () => {
    expect(derive(porting, porting)).toEqual([]);
    expect(derive(porting, { ...porting, counters: { ...porting.counters, applied: 9 } })).toEqual([]);
    expect(derive(porting, note(porting, { at: AT, kind: 'request-status', message: 'x', requestSid: KW1 }))).toEqual(
      []
    );
  });

  it('reports every number status change, from and to', () => {
    const next = apply(porting, numberEvent(KW1, A, PhoneNumberStatus.PORT_SUBMITTED)).state;
    expect(derive(porting, next)).toEqual([
      {
        type: 'number.status_changed',
        timestamp: AT,
        data: {
          phoneNumber: A,
          requestSid: KW1,
          from: 'in_review',
          to: 'port_submitted',
          statusLabel: 'Port Submitted',
          portDate: null,
        },
      },
    ]);
  });

  it('follows a completed number with number.ported and its port date', () => {
    const dated = withNumber(porting, A, { status: PhoneNumberStatus.PORT_PENDING, portDate: '2025-04-15T16:00:00Z' });
    const done = withNumber(dated, A, { status: PhoneNumberStatus.COMPLETED });
    expect(derive(dated, done)).toEqual([
      expect.objectContaining({ type: 'number.status_changed', data: expect.objectContaining({ to: 'completed' }) }),
      {
        type: 'number.ported',
        timestamp: AT,
        data: { phoneNumber: A, requestSid: KW1, portDate: '2025-04-15T16:00:00Z' },
      },
    ]);
  });

  it('follows a rejection with number.rejected and, the first time, order.action_required', () => {
    const submitted = withNumber(porting, A, { status: PhoneNumberStatus.PORT_SUBMITTED });
    const rejection = { code: 22155, reason: 'Invalid PIN', at: AT };
    const rejected = withNumber(submitted, A, { status: PhoneNumberStatus.PORT_REJECTED, rejection });
    expect(types(derive(submitted, rejected))).toEqual([
      'number.status_changed',
      'number.rejected',
      'order.action_required',
    ]);
    const [, reject, action] = derive(submitted, rejected);
    expect(reject!.data).toEqual({
      phoneNumber: A,
      requestSid: KW1,
      rejection: { code: 22155, reason: 'Invalid PIN' },
    });
    expect(action!.data).toEqual({
      status: 'Action Required',
      rejectedNumbers: [{ phoneNumber: A, requestSid: KW1, rejection: { code: 22155, reason: 'Invalid PIN' } }],
    });
    // A second rejection while the order already requires action: no second order.action_required.
    const both = withNumber(rejected, B, { status: PhoneNumberStatus.PORT_REJECTED, rejection });
    expect(types(derive(rejected, both))).toEqual(['number.status_changed', 'number.rejected']);
  });

  it.each([
    ['completed', 'order.completed'],
    ['failed', 'order.failed'],
    ['canceled', 'order.canceled'],
    ['expired', 'order.canceled'],
  ] as const)('says phase %s as %s, last, with the counts', (phase, type) => {
    const ended = setPhase(porting, phase, AT, 'ended');
    const drafts = derive(porting, ended);
    expect(types(drafts)).toEqual([type]);
    expect(drafts[0]!.data).toMatchObject({ outcome: phase, counts: { total: 2 } });
    // Once: an ended order changing again (a late note) does not end again.
    expect(derive(ended, note(ended, { at: AT, kind: 'operator', message: 'x' }))).toEqual([]);
  });

  it('carries the failure of a failed order', () => {
    const failed = {
      ...setPhase(porting, 'failed', AT, 'boom'),
      failure: { type: 'TwilioRefused', code: 20003, message: 'Authenticate' },
    };
    expect(derive(porting, failed)[0]!.data.failure).toEqual({
      type: 'TwilioRefused',
      code: 20003,
      message: 'Authenticate',
    });
  });

  it('puts number events before the ending when both happen in one change', () => {
    const done = setPhase(
      withNumber(withNumber(porting, A, { status: 'completed' }), B, { status: 'canceled' }),
      'completed',
      AT,
      'done'
    );
    expect(types(derive(porting, done))).toEqual([
      'number.status_changed',
      'number.ported',
      'number.status_changed',
      'order.completed',
    ]);
  });

  describe('timeline entries of the agreed kinds', () => {
    it('maps exactly these kinds', () => {
      expect(TIMELINE_EVENTS).toEqual({
        'loa-reminder': 'loa.reminder',
        'loa-expired': 'loa.expired',
        'cancel-window-closing': 'cancel_window.closing',
        'cancel-window-closed': 'cancel_window.closed',
        'number-live': 'number.live',
        'number-configuration-failed': 'number.configuration_failed',
      });
    });

    it('loa.reminder carries the signature URL, the expiry and the days left', () => {
      const waiting = withRequest(porting, KW1, {
        status: PortInRequestStatus.WAITING_FOR_SIGNATURE,
        waitingForSignatureSince: '2025-03-01T00:00:00.000Z',
        signatureRequestUrl: 'https://sign.example.com/loa/1',
      });
      const reminded = note(waiting, {
        at: '2025-03-24T00:00:00.000Z',
        kind: 'loa-reminder',
        message: 'LOA unsigned: 7 days left',
        requestSid: KW1,
      });
      expect(derive(waiting, reminded)).toEqual([
        {
          type: 'loa.reminder',
          timestamp: '2025-03-24T00:00:00.000Z',
          data: {
            requestSid: KW1,
            message: 'LOA unsigned: 7 days left',
            phoneNumbers: [A, B],
            signatureRequestUrl: 'https://sign.example.com/loa/1',
            loaExpiresAt: '2025-03-31T00:00:00.000Z',
            daysLeft: 7,
          },
        },
      ]);
    });

    it('loa.expired names the request and its numbers', () => {
      const expired = note(porting, { at: AT, kind: 'loa-expired', message: 'LOA not signed', requestSid: KW1 });
      expect(derive(porting, expired)).toEqual([
        {
          type: 'loa.expired',
          timestamp: AT,
          data: { requestSid: KW1, message: 'LOA not signed', phoneNumbers: [A, B] },
        },
      ]);
    });

    it('cancel_window.closing / closed carry the cutoff, for a number or a whole request', () => {
      const dated = withNumber(porting, A, { portDate: '2025-04-15T16:00:00.000Z' });
      const closing = note(dated, { at: AT, kind: 'cancel-window-closing', message: '24 h left', phoneNumber: A });
      expect(derive(dated, closing)).toEqual([
        {
          type: 'cancel_window.closing',
          timestamp: AT,
          data: {
            requestSid: KW1,
            phoneNumber: A,
            message: '24 h left',
            phoneNumbers: [A],
            cancelCutoffAt: '2025-04-12T16:00:00.000Z',
          },
        },
      ]);
      const closed = note(dated, { at: AT, kind: 'cancel-window-closed', message: 'closed', requestSid: KW1 });
      expect(derive(dated, closed)[0]).toMatchObject({
        type: 'cancel_window.closed',
        // B has no port date: the target date's midnight minus 72 h is the earlier cutoff.
        data: { requestSid: KW1, phoneNumbers: [A, B], cancelCutoffAt: '2025-04-12T00:00:00.000Z' },
      });
    });

    it('cancel_window.* from the deadline timers name exactly the window noted (its numbers and cutoff)', () => {
      // A's date is confirmed, B's is not: two windows in one request; the timers note them one by one.
      const dated = withNumber(porting, A, { portDate: '2025-04-15T16:00:00.000Z' });
      const windows = cancelWindows(dated);
      expect(windows).toHaveLength(2);
      for (const w of windows) {
        for (const stage of ['closing', 'closed'] as const) {
          const noted = note(markCancelWindowNoted(dated, w, stage), {
            at: AT,
            kind: `cancel-window-${stage}`,
            message: cancelWindowMessage(w, stage, Date.parse(AT)),
            requestSid: w.requestSid,
            ...(w.phoneNumbers.length === 1 ? { phoneNumber: w.phoneNumbers[0]! } : {}),
          });
          expect(derive(dated, noted)).toEqual([
            {
              type: `cancel_window.${stage}`,
              timestamp: AT,
              data: expect.objectContaining({
                requestSid: KW1,
                phoneNumbers: w.phoneNumbers,
                cancelCutoffAt: new Date(w.cutoff).toISOString(),
                cutoffConfirmed: w.confirmed,
              }),
            },
          ]);
        }
      }
    });

    it('number.live and number.configuration_failed (the reason from the activation state when there is one)', () => {
      const live = note(porting, { at: AT, kind: 'number-live', message: 'live', phoneNumber: A });
      expect(derive(porting, live)).toEqual([
        { type: 'number.live', timestamp: AT, data: { requestSid: KW1, phoneNumber: A, message: 'live' } },
      ]);
      const withActivation = withNumber(porting, B, {
        activation: { reason: 'Twilio 21606: not a valid voice URL' },
      } as never);
      const failed = note(withActivation, {
        at: AT,
        kind: 'number-configuration-failed',
        message: 'ported, configuration failed',
        phoneNumber: B,
      });
      expect(derive(withActivation, failed)[0]).toEqual({
        type: 'number.configuration_failed',
        timestamp: AT,
        data: {
          requestSid: KW1,
          phoneNumber: B,
          message: 'ported, configuration failed',
          reason: 'Twilio 21606: not a valid voice URL',
        },
      });
      const plain = note(porting, { at: AT, kind: 'number-configuration-failed', message: 'no sid', phoneNumber: B });
      expect(derive(porting, plain)[0]!.data.reason).toBe('no sid');
    });

    it('finds the new entries of a full (bounded) timeline', () => {
      let full = porting;
      for (let i = 0; i < TIMELINE_LIMIT + 5; i++) full = note(full, { at: AT, kind: 'filler', message: `${i}` });
      expect(full.timelineDropped).toBeGreaterThan(0);
      const next = note(note(full, { at: AT, kind: 'number-live', message: 'l1', phoneNumber: A }), {
        at: AT,
        kind: 'loa-expired',
        message: 'e1',
        requestSid: KW1,
      });
      expect(addedTimelineEntries(full, next).map((e) => e.message)).toEqual(['l1', 'e1']);
      expect(types(derive(full, next))).toEqual(['number.live', 'loa.expired']);
    });
  });

  it('never carries a PIN or an account number: free texts are scrubbed', () => {
    const secrets = ['ACCT-99812', '7731'];
    const failed = {
      ...setPhase(porting, 'failed', AT, 'x'),
      failure: { type: 'Twilio.22156', code: 22156, message: 'Invalid account number ACCT-99812 (PIN 7731)' },
    };
    const drafts = derive(porting, failed).map((d) => redactDraft(d, secrets));
    const text = JSON.stringify(drafts);
    expect(text).not.toContain('ACCT-99812');
    expect(text).not.toContain('7731');
    expect(drafts[0]!.data.failure).toMatchObject({ message: 'Invalid account number [redacted] (PIN [redacted])' });
    // Identifiers are not free text: a PIN that happens to be a number's last digits leaves the number alone.
    const live = redactDraft(
      { type: 'number.live', timestamp: AT, data: { phoneNumber: '+14155557731', message: 'live' } },
      secrets
    );
    expect(live.data.phoneNumber).toBe('+14155557731');
  });
});

describe('the outbox', () => {
  const draft = (n: number): EventDraft => ({ type: 'number.live', timestamp: AT, data: { message: `m${n}` } });

  it('numbers events in sequence with ids from the workflow id, stable across appends', () => {
    const one = appendEvents(emptyOutbox(), [draft(0), draft(1)], order);
    const two = appendEvents(one, [draft(2)], order);
    expect(two.pending.map((e) => [e.data.eventId, e.data.sequence])).toEqual([
      ['evt_portin-order-1_run-1_0', 0],
      ['evt_portin-order-1_run-1_1', 1],
      ['evt_portin-order-1_run-1_2', 2],
    ]);
    expect(two.pending[0]!.data).toEqual({
      eventId: 'evt_portin-order-1_run-1_0',
      sequence: 0,
      orderId: 'order-1',
      customerRef: 'cust-1',
      message: 'm0',
    });
    expect(appendEvents(two, [], order)).toBe(two);
  });

  it('is bounded: the oldest pending events are dropped and counted', () => {
    const drafts = Array.from({ length: 7 }, (_, i) => draft(i));
    const full = appendEvents(emptyOutbox(), drafts, order, 5);
    expect(full.pending.map((e) => e.data.sequence)).toEqual([2, 3, 4, 5, 6]);
    expect(full).toMatchObject({ dropped: 2, nextSequence: 7 });
    expect(OUTBOX_LIMIT).toBeGreaterThan(100);
  });

  it('tracks delivery, failure, recovery and give-up', () => {
    const box = appendEvents(emptyOutbox(), [draft(0), draft(1), draft(2)], order);
    const failed = markFailed(markFailed(box, 'HTTP 503', wf(1)), 'timeout', wf(2));
    expect(failed.failing).toEqual({ since: wf(1), attempts: 2, lastError: 'timeout' });
    const recovered = markDelivered(failed, 2, wf(3));
    expect(recovered).toMatchObject({
      delivered: 2,
      failing: null,
      lastError: { at: wf(2), message: 'timeout' },
      lastDeliveredAt: wf(3),
    });
    expect(recovered.pending.map((e) => e.data.sequence)).toEqual([2]);
    expect(giveUpPending(recovered)).toMatchObject({ pending: [], givenUp: 1 });
  });
});

describe('the events section of portInStatus', () => {
  const ctx = { loaExpiryMs: 30 * DAY, autoCancelMs: null, nextReconcileAt: 0 };

  it('is null for an order that sends no events', () => {
    expect(statusView(portingOrder(), ctx).events).toBeNull();
  });

  it('shows delivered, pending, failing and the last error', () => {
    const draft: EventDraft = { type: 'number.live', timestamp: AT, data: { message: 'm' } };
    let events = appendEvents(emptyOutbox(), [draft, draft, draft], order);
    events = markFailed(markDelivered(events, 1, wf(1)), 'HTTP 503 from http://127.0.0.1:1/x', wf(2));
    expect(statusView({ ...portingOrder(), events }, ctx).events).toEqual({
      delivered: 1,
      pending: 2,
      failing: true,
      failingSince: wf(2),
      failedAttempts: 1,
      lastError: { at: wf(2), message: 'HTTP 503 from http://127.0.0.1:1/x' },
      lastDeliveredAt: wf(1),
      dropped: 0,
      givenUp: 0,
      recorded: 3,
    });
  });
});
