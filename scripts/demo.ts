/**
 * `npm run demo`: the whole of portflow on one machine — Temporal dev server with UI and codec
 * server, the Twilio sandbox, the worker and the webhook receiver — and a port-in of a few scenario
 * numbers with live progress. Then everything stays up for the Temporal UI until Ctrl-C, or exits
 * at once with `--exit` / PORTFLOW_DEMO_EXIT=1. See README.md ("The demo") and docs/ui.md.
 */
import path from 'node:path';
import { DemoDisplay } from '../src/demo/display';
import { claimDemoPorts, DemoPortsInUseError } from '../src/demo/ports';
import { DEMO_CUSTOMER_REF, runDemoScenario, summarizeOutcome, terminateLeftovers } from '../src/demo/scenario';
import type { ScenarioOutcome } from '../src/demo/scenario';
import { DemoSettingsError, loadDemoSettings } from '../src/demo/settings';
import { startDemoStack } from '../src/demo/stack';
import type { DemoStack } from '../src/demo/stack';
import { handleInterrupts } from '../src/interrupts';
import { PortInUseError } from '../src/temporal-server/ports';
import { workflowListUiUrl, workflowUiUrl } from '../src/starter';

async function main(): Promise<number> {
  const display = new DemoDisplay();
  const settings = loadDemoSettings(process.env, process.argv.slice(2));
  // Reserves the ports given as 0 until their pieces start; fails here, before anything runs, on a busy one.
  const ports = await claimDemoPorts(settings);

  const interrupted = new AbortController();
  let stack: DemoStack | undefined;
  let stopRequested: ((signal: string) => void) | undefined;
  const stopSignal = new Promise<string>((resolve) => (stopRequested = resolve));
  // SIGHUP too: closing the terminal should stop the demo as cleanly as Ctrl-C.
  handleInterrupts(['SIGINT', 'SIGTERM', 'SIGHUP'], {
    onFirst: (signal) => {
      interrupted.abort();
      stopRequested?.(signal);
    },
    onForce: (signal) => {
      console.error(`\n${signal} again: exiting without waiting for a clean stop.`);
      process.exit(130);
    },
  });

  const relative = path.relative(process.cwd(), settings.dataDir);
  const dataDir = relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : settings.dataDir;
  display.note(`${display.strong('portflow demo')} — state, keys and log in ${dataDir}`);
  try {
    // An interrupt makes the startup stop what it had started, in order, and reject.
    stack = await startDemoStack(settings, ports, {
      report: (line) => display.note(`  ${line}`),
      signal: interrupted.signal,
    });
  } catch (err) {
    if (interrupted.signal.aborted) {
      display.note('Interrupted during startup; everything that had started was stopped.');
      return 130;
    }
    throw err;
  }

  const ui = stack.devServer.uiUrl ?? `http://127.0.0.1:${stack.ports.ui}`;
  const ns = settings.namespace;
  display.note(`  Temporal UI:       ${ui}`);
  display.note(`  Log:               ${stack.log.file}`);
  display.note(
    `  Processes:         demo pid ${stack.pids.demo}; Temporal dev server pid ${stack.pids.temporal ?? '?'} ` +
      '(the codec server, sandbox, worker and webhook receiver run inside the demo process)'
  );

  let code = 0;
  let outcome: ScenarioOutcome | undefined;
  try {
    const leftovers = await terminateLeftovers(stack.client, settings.taskQueue);
    if (leftovers.length > 0) {
      display.note(
        `  Terminated ${leftovers.length} demo order(s) an earlier run left unfinished (their sandbox is gone): ${leftovers.join(', ')}`
      );
    }
    outcome = await Promise.race([
      runDemoScenario({
        client: stack.client,
        sandbox: stack.sandbox,
        taskQueue: settings.taskQueue,
        utilityBillPath: stack.utilityBillPath,
        clockScale: settings.clockScale,
        timeoutMs: settings.scenarioTimeoutMs,
        display,
        workflowLink: (id) => workflowUiUrl(ui, ns, id),
        signal: interrupted.signal,
      }),
      stack.workerStopped.then((reason) => {
        throw new Error(`The scenario cannot go on: ${reason}. See ${stack?.log.file}.`);
      }),
    ]);
    display.note('');
    for (const line of summarizeOutcome(outcome)) display.note(line);
    if (!outcome.result) code = 1;
  } catch (err) {
    if (!interrupted.signal.aborted) {
      display.note(`\nThe scenario did not finish: ${err instanceof Error ? err.message : String(err)}`);
      code = 1;
    }
  }

  if (outcome) {
    display.note('');
    display.note(
      display.strong('In the Temporal UI') + ' (payloads are encrypted; the UI decodes them through the codec server):'
    );
    display.note(`  this order:               ${workflowUiUrl(ui, ns, outcome.workflowId)}`);
    display.note(`  every demo order:         ${workflowListUiUrl(ui, ns, `PortInCustomer = "${DEMO_CUSTOMER_REF}"`)}`);
    display.note(`  completed orders:         ${workflowListUiUrl(ui, ns, 'PortInStatus = "Completed"')}`);
    display.note(`  orders needing an answer: ${workflowListUiUrl(ui, ns, 'PortInStatus = "Action Required"')}`);
    display.note(
      `Metrics: ${stack.metricsUrl} (portflow_orders_total, portflow_number_status_changes_total, portflow_rejections_total)`
    );
  }

  if (!settings.exitAfterScenario && !interrupted.signal.aborted) {
    // Left running fast, the carrier's clock would race years ahead while the UI is browsed; left
    // days ahead, it would refuse an order dated from today as too soon.
    stack.sandbox.clock.resetToWallClock();
    display.note('');
    display.note(
      `The sandbox's clock is back to today, at real speed (speed it up: POST ${stack.sandbox.url}/_sandbox/clock {"scale": 86400}). ` +
        `Start your own orders against this stack (task queue ${settings.taskQueue}, the CLI's default): ` +
        'npm run portflow -- start --order examples/order.json --dry-run, then without --dry-run.'
    );
    display.note('Everything stays up for the UI. Press Ctrl-C to stop every process the demo started.');
    const reason = await Promise.race([stopSignal, stack.workerStopped]);
    display.note(`\n${reason.startsWith('SIG') ? `${reason}: stopping` : `Stopping: ${reason}`}…`);
  } else if (interrupted.signal.aborted) {
    display.note('\nInterrupted: stopping…');
    code = 130;
  }

  const problems = await stack.stop();
  if (problems.length > 0) {
    display.note(`Stopped, with problems:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    return code || 1;
  }
  display.note(
    `Stopped the Temporal dev server (pid ${stack.pids.temporal ?? '?'}) and every service; the demo (pid ${stack.pids.demo}) exits now.`
  );
  return code;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof DemoSettingsError || err instanceof DemoPortsInUseError || err instanceof PortInUseError) {
      console.error(err.message);
      process.exit(2);
    }
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  }
);
