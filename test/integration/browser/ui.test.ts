/**
 * The Temporal UI as a porting console, in a real browser (Debian's Chromium, headless, driven by
 * playwright-core): the demo runs as a person would start it (no PORTFLOW_DEMO_EXIT), the order is
 * found by its `PortInStatus` search attribute, and its input — encrypted in history — is readable
 * in the UI only because the UI calls the codec server. Screenshots go to test-results/browser/, and
 * also to docs/screenshots/ with PORTFLOW_UPDATE_SCREENSHOTS=1 (`npx tsx scripts/test-browser.ts --update-screenshots`).
 *
 * Skips, loudly, when Chromium is not installed: `npx tsx scripts/test-browser.ts` installs it.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { DEMO_NUMBERS } from '../../../src/demo/scenario';
import { STOP_BUDGET_MS } from '../../../src/demo/stop-sequence';
import { workflowListUiUrl } from '../../../src/starter';
import { isAlive, projectRoot, startDemoProcess } from '../demo/demo-process';
import type { DemoProcess } from '../demo/demo-process';
import { ACTION_REQUIRED_NUMBERS, startActionRequiredOrder } from './action-required-order';

const CHROMIUM = process.env.PORTFLOW_CHROMIUM_PATH || '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];
const resultsDir = path.join(projectRoot, 'test-results', 'browser');
const docsDir = path.join(projectRoot, 'docs', 'screenshots');
const updateDocs = process.env.PORTFLOW_UPDATE_SCREENSHOTS === '1';

if (!hasChromium) {
  console.warn(
    [
      '',
      '!!! SKIPPED: the Temporal UI browser test (test/integration/browser/ui.test.ts) did NOT run.',
      `!!! It needs Chromium at ${CHROMIUM}, which is not installed on this machine.`,
      '!!! Install it and run the test with: npx tsx scripts/test-browser.ts  (apt-get install -y chromium)',
      '',
    ].join('\n')
  );
}

async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  mkdirSync(resultsDir, { recursive: true });
  await page.screenshot({ path: path.join(resultsDir, name), ...options });
  if (updateDocs) {
    mkdirSync(docsDir, { recursive: true });
    await page.screenshot({ path: path.join(docsDir, name), ...options });
  }
}

/**
 * Opens the order's *User Metadata* tab (`…/workflows/<id>/<runId>/user-metadata`) and returns the
 * text of its current details (the UI renders the markdown in an iframe) once `expected` shows in it.
 * Navigates rather than clicks: a running order's page is busy refreshing and can miss a click.
 */
async function openDesk(page: Page, runUrl: string, expected: string): Promise<string> {
  await page.goto(`${runUrl}/user-metadata`);
  const desk = page.frameLocator('#user-metadata-current-details');
  await desk.getByText(expected).first().waitFor({ state: 'visible', timeout: 30_000 });
  return desk.locator('body').innerText();
}

(hasChromium ? describe : describe.skip)('the Temporal UI through the codec server (headless Chromium)', () => {
  let demo: DemoProcess | undefined;
  let context: BrowserContext | undefined;
  let profileDir: string | undefined;
  let workflowId = '';
  let uiUrl = '';
  let codecUrl = '';

  beforeAll(async () => {
    // As a person runs it: `npm run demo`, so the last test's Ctrl-C goes through npm too (the script is `node --import tsx`: see ctrl-c-while-busy.test.ts).
    demo = await startDemoProcess({}, { asInTerminal: true });
    await demo.waitForLine(/^Everything stays up for the UI/, 150_000);
    workflowId = /this order: +\S+\/workflows\/(portin-demo-[\w-]+)/.exec(demo.stdout())?.[1] ?? '';
    expect(workflowId).not.toBe('');
    const ports = demo.ports();
    uiUrl = `http://127.0.0.1:${ports.ui}`;
    codecUrl = `http://127.0.0.1:${ports.codec}`;
    // A fresh profile: no cached UI settings, no earlier codec endpoint.
    profileDir = mkdtempSync(path.join(os.tmpdir(), 'portflow-chromium-'));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: LAUNCH_ARGS,
      viewport: { width: 1440, height: 900 },
    });
  });

  afterAll(async () => {
    await context?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
    await demo?.stop('SIGTERM', 10_000);
    demo?.killLeftovers();
  });

  it('finds the order by PortInStatus and shows its input, decoded by the codec server', async () => {
    const page = await context!.newPage();
    const decodes: number[] = [];
    page.on('response', (response) => {
      if (response.url().startsWith(`${codecUrl}/decode`)) decodes.push(response.status());
    });

    // The UI's list URL with a visibility query: the console view of finished demo orders.
    await page.goto(
      workflowListUiUrl(uiUrl, 'default', 'PortInStatus = "Completed" AND PortInCustomer = "demo-customer"')
    );
    const link = page.getByRole('link', { name: workflowId, exact: true });
    await link.waitFor({ state: 'visible', timeout: 30_000 });
    await screenshot(page, 'temporal-ui-list.png');

    await link.click();
    await page.waitForURL(new RegExp(`/workflows/${workflowId}/`), { timeout: 30_000 });
    // The input panel shows the order as JSON: only readable once the codec server has decrypted it.
    await page.getByText('"customerRef": "demo-customer"').first().waitFor({ state: 'visible', timeout: 30_000 });
    const body = await page.locator('body').innerText();
    expect(body).toContain(`"phoneNumber": "${DEMO_NUMBERS.portable}"`);
    expect(body).toContain('"outcome": "completed"');
    expect(body).not.toContain('binary/encrypted');
    expect(decodes.length).toBeGreaterThan(0);
    expect(decodes.every((status) => status === 200)).toBe(true);
    await screenshot(page, 'temporal-ui-workflow.png');

    // The porting desk: the workflow's current details, answered by the worker, decoded by the codec server.
    const runUrl = /^(.*\/workflows\/[^/]+\/[^/]+)/.exec(page.url())?.[1] ?? '';
    expect(runUrl).toMatch(/\/workflows\/portin-demo-[\w-]+\/[0-9a-f-]{36}$/);
    const desk = await openDesk(page, runUrl, 'Completed · order');
    expect(desk).toMatch(/5 numbers — (Completed|Ported, live): 4 · Not portable: 1/);
    expect(desk).toMatch(/KW[0-9a-f]{32} — Completed, 1 number, resubmits from KW[0-9a-f]{32}/);
    // The start's static summary, decoded too.
    await page
      .frameLocator('#user-metadata-summary')
      .getByText(/^Port-in demo-[\w-]+: 5 numbers for demo-customer, target \d{4}-\d\d-\d\d$/)
      .waitFor({ state: 'visible', timeout: 30_000 });
    expect(decodes.every((status) => status === 200)).toBe(true);
    await page.setViewportSize({ width: 1440, height: 1200 });
    await screenshot(page, 'temporal-ui-desk.png');
    await page.close();
  });

  it('shows an order in Action Required as a porting desk: counts, and each rejected number with its reason and action', async () => {
    const ports = demo!.ports();
    const taskQueue = /\(task queue (\S+), the CLI's default\)|\(task queue (\S+)\)/.exec(demo!.stdout());
    const order = await startActionRequiredOrder({
      temporalAddress: `127.0.0.1:${ports.temporal}`,
      sandboxUrl: `http://127.0.0.1:${ports.sandbox}`,
      keyFile: path.join(demo!.dataDir, 'encryption-keys.json'),
      utilityBillPath: path.join(demo!.dataDir, 'demo-utility-bill.pdf'),
      taskQueue: taskQueue?.[1] ?? taskQueue?.[2] ?? 'portflow',
    });
    try {
      const page = await context!.newPage();
      await page.setViewportSize({ width: 1440, height: 1250 });
      const runUrl = `${uiUrl}/namespaces/default/workflows/${order.workflowId}/${order.runId}`;
      const desk = await openDesk(page, runUrl, 'Needs an operator (2)');
      expect(desk).toContain(`Action Required · order ${order.orderId}`);
      expect(desk).toMatch(/4 numbers — .*Port Rejected: 2/);
      expect(desk).toContain('Not portable: 1');
      const lines = desk.split('\n');
      const pinRow = lines.find((l) => l.includes(ACTION_REQUIRED_NUMBERS.invalidPin)) ?? '';
      expect(pinRow).toMatch(
        /22155: Invalid PIN\s+resubmitRejected with the correct PIN in pins; or cancelPhoneNumbers by /
      );
      expect(desk).toMatch(/22158: Port date rejected by the losing carrier/);
      expect(desk).toMatch(/Cancel cutoff: \d{4}-\d\d-\d\d \d\d:\d\d UTC \(in ~\d+ days\)/);
      await screenshot(page, 'temporal-ui-action-required.png');

      // Activities and timers carry summaries, decoded by the codec server like every payload (the UI
      // fills them in a moment after the rows).
      await page.goto(`${runUrl}/history`);
      await page
        .getByText(/^Fetch KW[0-9a-f]{32} from Twilio \(reconcile\)$/)
        .first()
        .waitFor({ state: 'visible', timeout: 60_000 });
      await page
        .getByText(/^Reconcile with Twilio at \S+, unless a webhook comes first$/)
        .first()
        .waitFor({ state: 'visible', timeout: 30_000 });
      await page.getByText('Activity Task Scheduled').first().click();
      await page.getByText('Activity ID', { exact: true }).first().waitFor({ state: 'visible', timeout: 30_000 });
      await screenshot(page, 'temporal-ui-summaries.png');
      await page.close();
    } finally {
      await order.close();
    }
  });

  it('shows only ciphertext when the codec server cannot be reached', async () => {
    const page = await context!.newPage();
    // The browser calls the codec server itself; cut it off for this page only.
    await page.route(`${codecUrl}/**`, (route) => route.abort('connectionrefused'));
    await page.goto(`${uiUrl}/namespaces/default/workflows/${workflowId}`);
    // The UI says so in a banner of the page (the navigation has a hidden copy of the same text).
    await page
      .locator('#content')
      .getByText('Codec Server could not connect')
      .waitFor({ state: 'visible', timeout: 30_000 });
    // The input panel still shows the payload: the base64 ciphertext the history holds.
    await page
      .getByText(/^"[A-Za-z0-9+/]{60,}/)
      .first()
      .waitFor({ state: 'visible', timeout: 30_000 });
    const body = await page.locator('body').innerText();
    expect(body).not.toContain('"customerRef"');
    expect(body).not.toContain(DEMO_NUMBERS.portable);
    await screenshot(page, 'temporal-ui-without-codec.png');
    await page.close();
  });

  it('stops every process it started on Ctrl-C (SIGINT to the whole process group of npm run demo)', async () => {
    // The demo bounds its own stop at STOP_BUDGET_MS; the test waits longer so a slow stop shows up as
    // the demo's own report (which step, how long) rather than as our SIGKILL.
    const code = await demo!.stop('SIGINT', STOP_BUDGET_MS + 25_000);
    // npm answers a Ctrl-C with 130 whatever its script did, so the demo's own verdict is what it
    // printed: one clean, ordered stop — the copies of the SIGINT relayed by npm are not taken
    // for a second Ctrl-C (which would skip the clean stop).
    const cleanStop =
      /SIGINT: stopping…\nStopped the Temporal dev server \(pid \d+\) and every service/.test(demo!.stdout()) &&
      !/again: exiting without waiting|Stopped, with problems/.test(demo!.stdout() + demo!.stderr());
    expect({ code, cleanStop, diagnostics: cleanStop ? '' : demo!.diagnostics() }).toEqual({
      code: 130,
      cleanStop: true,
      diagnostics: '',
    });
    expect(
      [...demo!.seenProcesses()].filter(([, p]) => isAlive(p.key)).map(([pid, p]) => `${pid} ${p.command}`)
    ).toEqual([]);
  });
});
