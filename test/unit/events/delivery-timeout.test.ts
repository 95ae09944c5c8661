/**
 * The events delivery's per-POST timeout against a real endpoint that never answers, with garbage
 * collections during the wait. The timeout used to be `AbortSignal.timeout()` inside
 * `AbortSignal.any`, which both hold their signals weakly: a collection dropped it, and the POST
 * waited for as long as the endpoint held the connection (see `abortAfter` in src/events/delivery.ts).
 * The activity runs in the SDK's MockActivityEnvironment.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createEventActivities, EVENT_DELIVERY_FAILED } from '../../../src/events/delivery';
import { generateEventsSecret, portflowEventId } from '../../../src/events';
import type { PortflowEvent } from '../../../src/events';

// gc() for this test only, without a jest-wide --expose-gc.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function event(sequence: number): PortflowEvent {
  return {
    type: 'order.started',
    timestamp: new Date().toISOString(),
    data: {
      eventId: portflowEventId('portin-gc-order', '01a2373c-986e-7702-b67f-7f9cbc772561', sequence),
      sequence,
      orderId: 'gc-order',
      customerRef: 'cust-1',
    },
  };
}

describe('deliverPortflowEvents against an endpoint that never answers', () => {
  // The server keeps every response open and never answers.
  const held: http.ServerResponse[] = [];
  const server = http.createServer((_req, res) => held.push(res));
  let url: string;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('fails the attempt at its timeout even when garbage is collected during the request', async () => {
    const activities = createEventActivities({ secret: generateEventsSecret(), timeoutMs: 300 });
    const collect = setInterval(gc, 10);
    try {
      for (let attempt = 0; attempt < 5; attempt++) {
        await expect(
          new MockActivityEnvironment().run(activities.deliverPortflowEvents, { url, events: [event(attempt + 1)] })
        ).rejects.toMatchObject({
          type: EVENT_DELIVERY_FAILED,
          message: expect.stringMatching(/no answer within 300 ms/),
        });
      }
    } finally {
      clearInterval(collect);
    }
    // No count of the requests that reached the handler: on a loaded machine an attempt can time out
    // before the server has read its headers, and that attempt still proves the timeout held.
  }, 30_000);
});
