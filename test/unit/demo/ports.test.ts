import net from 'node:net';
import { claimDemoPorts, DemoPortsInUseError } from '../../../src/demo/ports';
import { DEMO_PORTS } from '../../../src/demo/settings';
import type { DemoPortName } from '../../../src/demo/settings';
import { isPortFree } from '../../../src/temporal-server/ports';

const allZero = Object.fromEntries(Object.keys(DEMO_PORTS).map((name) => [name, 0])) as Record<DemoPortName, number>;

async function blocker(): Promise<{ port: number; close(): void }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

describe('claimDemoPorts', () => {
  it('reserves a distinct free port for each one given as 0 and holds it until that piece is released', async () => {
    const claimed = await claimDemoPorts({ ports: allZero });
    try {
      const numbers = Object.values(claimed.numbers);
      expect(new Set(numbers).size).toBe(numbers.length);
      for (const port of numbers) expect(await isPortFree(port)).toBe(false);

      await claimed.release('temporal', 'ui');
      expect(await isPortFree(claimed.numbers.temporal)).toBe(true);
      expect(await isPortFree(claimed.numbers.ui)).toBe(true);
      expect(await isPortFree(claimed.numbers.codec)).toBe(false);
    } finally {
      await claimed.releaseAll();
    }
    for (const port of Object.values(claimed.numbers)) expect(await isPortFree(port)).toBe(true);
    await claimed.releaseAll(); // twice is harmless
  });

  it('keeps a fixed port as given, holding nothing for it', async () => {
    const free = await blocker();
    free.close();
    const claimed = await claimDemoPorts({ ports: { ...allZero, sandbox: free.port } });
    try {
      expect(claimed.numbers.sandbox).toBe(free.port);
      expect(await isPortFree(free.port)).toBe(true);
    } finally {
      await claimed.releaseAll();
    }
  });

  it('refuses every busy fixed port at once, naming the port, its purpose and its variable', async () => {
    const a = await blocker();
    const b = await blocker();
    try {
      const error = await claimDemoPorts({ ports: { ...allZero, sandbox: a.port, webhooks: b.port } }).catch(
        (e: unknown) => e
      );
      expect(error).toBeInstanceOf(DemoPortsInUseError);
      expect((error as DemoPortsInUseError).busy).toEqual([
        { name: 'sandbox', port: a.port },
        { name: 'webhooks', port: b.port },
      ]);
      const message = (error as Error).message;
      expect(message).toContain('2 ports it needs are already in use on 127.0.0.1');
      expect(message).toContain(`port ${a.port}: Twilio sandbox (Porting API emulator)`);
      expect(message).toContain(`port ${b.port}: webhook receiver`);
      expect(message).toContain('set PORTFLOW_DEMO_WEBHOOK_PORT to another port (0 = any free port)');
      expect(message).toContain('Nothing was started.');
    } finally {
      a.close();
      b.close();
    }
  });
});
