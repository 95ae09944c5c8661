/**
 * Webhooks are hints, the API is the truth: lost, duplicated and reordered webhooks (sandbox faults)
 * end in the same final state as clean delivery, thanks to the reducer and the reconciliation poll.
 */
import { startWebhookReceiver } from '../../../src/webhooks';
import type { WebhookReceiverHandle } from '../../../src/webhooks';
import type { FaultInput } from '../../../src/sandbox';
import { getPortInStatus, startPortIn, waitForPortIn } from '../../../src/starter';
import type { PortInResult, PortInStatusView } from '../../../src/workflows/messages';
import { buildOrder, startPortflowEnv } from '../../helpers/portflow-env';
import type { PortflowTestEnv } from '../../helpers/portflow-env';
import { connectTemporal } from '../../helpers/temporal';
import type { TemporalTestContext } from '../../helpers/temporal';

type Mode = 'clean' | 'lost' | 'duplicated' | 'reordered';

const faults: Record<Mode, FaultInput[]> = {
  clean: [],
  lost: [{ kind: 'webhook', fault: 'drop', times: 10_000 }],
  duplicated: [{ kind: 'webhook', fault: 'duplicate', times: 10_000 }],
  reordered: [{ kind: 'webhook', fault: 'reorder', count: 3, maxHoldMs: 300, times: 10_000 }],
};

// Same scenarios, different numbers: two that port, one that is not portable.
const numbers: Record<Mode, string[]> = {
  clean: ['+13035551101', '+13035551102', '+13035550130'],
  lost: ['+13035551111', '+13035551112', '+13035550130'],
  duplicated: ['+13035551121', '+13035551122', '+13035550130'],
  reordered: ['+13035551131', '+13035551132', '+13035550130'],
};

/** What must be equal across modes: outcome and, by position, each number's end state. */
function shape(result: PortInResult) {
  return {
    outcome: result.outcome,
    requests: result.requestSids.length,
    numbers: result.numbers.map((n) => ({
      status: n.status,
      portDate: n.portDate != null,
      notPortable: n.notPortable?.code ?? null,
    })),
  };
}

describe('webhook faults give the same final state as clean delivery', () => {
  let temporal: TemporalTestContext;
  let receiver: WebhookReceiverHandle;
  const envs: PortflowTestEnv[] = [];

  beforeAll(async () => {
    temporal = await connectTemporal();
    receiver = await startWebhookReceiver({
      temporalClient: temporal.client,
      authToken: 'portflow-sandbox-auth-token-0000',
      sandbox: true,
      // Every order here claims its requests; an event held meanwhile runs on this queue's worker-less inbox.
      inbox: { taskQueue: 'webhook-faults-inbox' },
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    });
  });
  afterAll(async () => {
    await Promise.all(envs.map((e) => e.close()));
    await receiver?.stop();
    await temporal?.close();
  });

  it('completes the same way with lost, duplicated and reordered webhooks', async () => {
    const runs = await Promise.all(
      (Object.keys(faults) as Mode[]).map(async (mode) => {
        const env = await startPortflowEnv();
        envs.push(env);
        expect(env.sandbox.authToken).toBe('portflow-sandbox-auth-token-0000');
        await env.porting.configureWebhooks({ portInTargetUrl: receiver.webhookUrl, notificationsOf: [] });
        for (const f of faults[mode]) env.sandbox.addFault(f);
        // The poll is slow next to the port, so with webhooks flowing it is they that drive it.
        const order = buildOrder(env.sandbox, numbers[mode], { options: { reconcileInterval: '3s' } });
        const worker = await env.newWorker();
        return worker.runUntil(async () => {
          await startPortIn(env.client, order, { taskQueue: env.taskQueue, now: env.sandbox.clock.now() });
          const result = await waitForPortIn(env.client, order.orderId);
          const view: PortInStatusView = await getPortInStatus(env.client, order.orderId);
          return { mode, result, view, deliveries: env.sandbox.webhooks().length };
        });
      })
    );
    const byMode = Object.fromEntries(runs.map((r) => [r.mode, r]));
    const clean = byMode.clean!;
    expect(clean.result.outcome).toBe('completed');
    for (const mode of ['lost', 'duplicated', 'reordered'] as const) {
      expect({ mode, ...shape(byMode[mode]!.result) }).toEqual({ mode, ...shape(clean.result) });
    }
    // Clean delivery really was by webhook; duplicates were seen and were no-ops.
    expect(receiver.stats().routed).toBeGreaterThan(0);
    expect(clean.view.counters.applied).toBeGreaterThan(0);
    expect(byMode.duplicated!.view.counters.duplicates).toBeGreaterThan(0);
    expect(receiver.stats().duplicate + byMode.duplicated!.view.counters.duplicates).toBeGreaterThan(0);
  });
});
