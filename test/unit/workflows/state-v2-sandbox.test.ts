/**
 * Rules V2 against the sandbox (over HTTP), the project's independent reading of Twilio: the webhooks
 * it sends along real lifecycles are never suspect, in order or shuffled and repeated, and they alone
 * bring every request and number to what its API then returns, so the next poll changes no status,
 * port date or rejection. This is what keeps the documented-transitions table honest: a table that
 * refused a real move would show up here as a suspect event or a poll that had work left to do.
 */
import { parsePortingWebhook, eventsFromPortIn, isParseFailure } from '../../../src/twilio/events';
import type { PortingEvent } from '../../../src/twilio/porting-event';
import { portInInbound } from '../../../src/twilio/schemas/port-in';
import { sandboxNumber, startSandbox } from '../../../src/sandbox';
import type { SandboxHandle } from '../../../src/sandbox';
import {
  REDUCER_RULES_V2,
  applyEvent,
  initialState,
  recordPortability,
  recordRequest,
  setPhase,
} from '../../../src/workflows/state';
import type { ApplyOutcome, PortInState } from '../../../src/workflows/state';
import { DAY, HOUR, apiFor, createBody, startReceiver, uploadBill } from '../sandbox/helpers';
import type { Api, Receiver } from '../sandbox/helpers';
import { prng } from '../../helpers/prng';

const START = new Date('2025-03-03T12:00:00Z');

describe('rules V2 on the sandbox lifecycles', () => {
  let sandbox: SandboxHandle;
  let api: Api;
  let receiver: Receiver;
  let bill: string;

  beforeAll(async () => {
    receiver = await startReceiver();
    // A frozen clock, moved by the test: the webhooks' dates are the sandbox's, and so is "now".
    sandbox = await startSandbox({
      clockStart: START,
      clockScale: 0,
      webhookRetry: { attempts: 3, baseDelayMs: 10, timeoutMs: 2_000 },
    });
    api = apiFor(sandbox);
  });
  afterAll(async () => {
    await sandbox.stop();
    await receiver.close();
  });

  let t0 = START.getTime();
  beforeEach(async () => {
    sandbox.reset();
    receiver.received.length = 0;
    const now = sandbox.clock.now().getTime();
    t0 = Math.ceil((now + 1) / DAY) * DAY + 12 * HOUR;
    sandbox.clock.advance(t0 - now);
    bill = await uploadBill(api);
    const cfg = await api('POST', '/v1/Porting/Configuration/Webhook', {
      port_in_target_url: receiver.url,
      notifications_of: [],
    });
    expect(cfg.status).toBe(201);
  });

  /** Moves the sandbox clock to t0 + ms and waits for the webhooks that raised. */
  async function at(ms: number): Promise<void> {
    sandbox.clock.advance(t0 + ms - sandbox.clock.now().getTime());
    await sandbox.webhooksIdle();
  }

  /** The order the workflow would hold after creating the request: numbers In Review with their PU sids. */
  async function order(numbers: string[]): Promise<{ state: PortInState; sid: string; sids: string[] }> {
    const target = new Date(t0 + 10 * DAY).toISOString().slice(0, 10);
    const res = await api('POST', '/v1/Porting/PortIn', createBody({ numbers, documents: [bill], targetDate: target }));
    expect(res.status).toBe(202);
    const sid = res.body.port_in_request_sid as string;
    const now = sandbox.clock.now().toISOString();
    let state = initialState({ orderId: 'o', customerRef: 'c', phoneNumbers: numbers, targetPortInDate: target });
    state = recordPortability(
      state,
      numbers.map((phoneNumber) => ({ phoneNumber, portable: true, code: null, reason: null })),
      now
    );
    const listed = res.body.phone_numbers as Array<{ phone_number: string; port_in_phone_number_sid: string }>;
    state = recordRequest(
      state,
      {
        sid,
        numbers: listed.map((n) => ({ phoneNumber: n.phone_number, phoneNumberSid: n.port_in_phone_number_sid })),
        found: false,
      },
      now
    );
    return {
      state: setPhase(state, 'porting', now, 'porting'),
      sid,
      sids: listed.map((n) => n.port_in_phone_number_sid),
    };
  }

  function webhookEvents(): PortingEvent[] {
    return receiver.received.map((h) => {
      const event = parsePortingWebhook(h.body, { idempotencyToken: String(h.headers['i-twilio-idempotency-token']) });
      if (isParseFailure(event)) throw new Error(`the sandbox sent an unparseable webhook: ${event.reason}`);
      return event;
    });
  }

  /** Applies events under V2 at the sandbox's now, collecting the outcomes. */
  function applyV2(state: PortInState, events: PortingEvent[]): { state: PortInState; outcomes: ApplyOutcome[] } {
    const now = sandbox.clock.now().toISOString();
    const outcomes: ApplyOutcome[] = [];
    for (const event of events) {
      const result = applyEvent(state, event, now, REDUCER_RULES_V2);
      outcomes.push(result.outcome);
      state = result.state;
    }
    return { state, outcomes };
  }

  const view = (s: PortInState) => ({
    requests: Object.values(s.requests).map((r) => [r.sid, r.status]),
    numbers: Object.values(s.numbers).map((n) => [
      n.phoneNumber,
      n.status,
      n.portDate,
      n.rejection && [n.rejection.code, n.rejection.reason],
    ]),
  });

  /**
   * The webhooks in order, then 20 shuffles of them with repeats: never suspect, and each time the
   * poll that follows (Twilio's answer through the client's schema) changes nothing that matters.
   */
  async function check(start: PortInState, sid: string): Promise<void> {
    const events = webhookEvents();
    expect(events.length).toBeGreaterThan(0);
    const fetched = await api('GET', `/v1/Porting/PortIn/${sid}`);
    expect(fetched.status).toBe(200);
    const poll = eventsFromPortIn(portInInbound.parse(fetched.body));

    const random = prng(events.length);
    const deliveries = [events];
    for (let i = 0; i < 20; i++) {
      deliveries.push(
        events
          .flatMap((e) => (random() < 0.3 ? [e, e] : [e]))
          .map((e) => [random(), e] as const)
          .sort((x, y) => x[0] - y[0])
          .map(([, e]) => e)
      );
    }
    for (const delivered of deliveries) {
      const byWebhooks = applyV2(start, delivered);
      expect(byWebhooks.outcomes).not.toContain('suspect');
      const polled = applyV2(byWebhooks.state, poll);
      expect(polled.outcomes.filter((o) => o !== 'applied' && o !== 'duplicate')).toEqual([]);
      expect(view(byWebhooks.state)).toEqual(view(polled.state));
    }
  }

  it('a port that completes', async () => {
    const { state, sid } = await order(['+14155551234', sandboxNumber('0555')]);
    await at(HOUR);
    await at(HOUR + DAY);
    await at(HOUR + 2 * DAY);
    await at(11 * DAY);
    await check(state, sid);
    expect(view(applyV2(state, webhookEvents()).state).requests).toEqual([[sid, 'completed']]);
  });

  it('a number the carrier rejects, then canceled while the other ports', async () => {
    const rejected = sandboxNumber('0153');
    const { state, sid, sids } = await order(['+14155551234', rejected]);
    await at(HOUR);
    await at(HOUR + DAY);
    await at(HOUR + 2 * DAY);
    // The operator drops the rejected number a minute later (Twilio's dates have whole seconds).
    await at(HOUR + 2 * DAY + 60_000);
    expect((await api('DELETE', `/v1/Porting/PortIn/${sid}/PhoneNumber/${sids[1]}`)).status).toBe(204);
    await at(HOUR + 2 * DAY + 61_000);
    await at(11 * DAY);
    await check(state, sid);
    const final = applyV2(state, webhookEvents()).state;
    expect(final.numbers[rejected]).toMatchObject({ status: 'canceled', rejection: { code: 22153 } });
  });

  it('a request whose LOA is never signed expires', async () => {
    const { state, sid } = await order([sandboxNumber('0401'), '+14155551234']);
    await at(HOUR);
    await at(HOUR + 31 * DAY);
    await check(state, sid);
    expect(view(applyV2(state, webhookEvents()).state).requests).toEqual([[sid, 'expired']]);
  });

  it('a request canceled while in progress', async () => {
    const { state, sid } = await order(['+14155551234', sandboxNumber('0301')]);
    await at(HOUR);
    await at(HOUR + DAY);
    await at(HOUR + DAY + 60_000);
    expect((await api('DELETE', `/v1/Porting/PortIn/${sid}`)).status).toBe(204);
    await at(HOUR + DAY + 61_000);
    await check(state, sid);
    expect(view(applyV2(state, webhookEvents()).state).requests).toEqual([[sid, 'canceled']]);
  });

  it('a number Twilio finds not portable at review, beside one that ports', async () => {
    const { state, sid } = await order([sandboxNumber('0102'), '+14155551234']);
    await at(HOUR);
    await at(HOUR + DAY);
    await at(HOUR + 2 * DAY);
    await at(11 * DAY);
    await check(state, sid);
  });
});
