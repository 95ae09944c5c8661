/**
 * portflow's CLI: `npm run start -- <command>`. Every command prints the Temporal UI link of the
 * workflow it touches.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { WorkflowFailedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import { loadDataConverter } from '../codec/data-converter';
import { loadConfig } from '../config';
import type { PortflowConfig } from '../config';
import { losingCarrierSchema, zodProblems } from '../order';
import { OrderValidationError } from '../order-validation';
import {
  cancelPhoneNumbers,
  cancelPortIn,
  getPortInStatus,
  listPortIns,
  resubmitRejected,
  startPortIn,
  workflowUiUrl,
} from '../starter';
import { connectTemporalClient } from '../temporal-connection';
import { portInWorkflowId } from '../workflows/messages';
import { ProgressWriter, renderProgress } from './progress';

const USAGE = `Usage: npm run start -- <command> [options]

Commands:
  start --order <file.json> [--watch]       validate and start a port-in order (same order id twice → the existing one)
  status <orderId> [--json]                 the order's state: per-number status, deadlines, timeline
  watch <orderId>                           live per-number progress until the order ends
  list [--query '<visibility query>']       port-ins, e.g. --query 'PortInStatus = "Action Required"'
  cancel <orderId> [--reason <text>]        cancel the whole order (refused within 72 h of the port date)
  cancel-numbers <orderId> <+1…> [<+1…>…]   cancel some numbers
  resubmit <orderId> --carrier <file.json> [--numbers +1…,+1…] [--target-date YYYY-MM-DD]
                                            resubmit rejected numbers with corrected losing-carrier data
`;

export async function runCli(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === 'help') {
    out(USAGE);
    return command ? 0 : 2;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      order: { type: 'string' },
      watch: { type: 'boolean' },
      json: { type: 'boolean' },
      query: { type: 'string' },
      reason: { type: 'string' },
      carrier: { type: 'string' },
      numbers: { type: 'string' },
      'target-date': { type: 'string' },
    },
  });
  const config = loadConfig();
  const client = await connectTemporalClient(config.temporal, { dataConverter: await loadDataConverter(config) });
  const link = (orderId: string) =>
    out(`Temporal UI: ${workflowUiUrl(config.temporal.uiUrl, config.temporal.namespace, portInWorkflowId(orderId))}`);
  try {
    switch (command) {
      case 'start': {
        if (!values.order) return usageError(out, 'start needs --order <file.json>');
        const order = JSON.parse(await readFile(values.order, 'utf8')) as unknown;
        const started = await startPortIn(client, order, { taskQueue: config.temporal.taskQueue });
        const orderId = (order as { orderId: string }).orderId;
        out(`${started.started ? 'Started' : 'Already exists:'} ${started.workflowId} (run ${started.runId})`);
        link(orderId);
        if (values.watch) await watch(client, config, orderId, out);
        return 0;
      }
      case 'status': {
        const orderId = need(positionals[0], 'orderId');
        const view = await getPortInStatus(client, orderId);
        if (values.json) out(JSON.stringify(view, null, 2));
        else {
          for (const line of renderProgress(view, { maxNumbers: 1000 })) out(line);
          out(
            `Deadlines: LOA expires ${view.deadlines.loaExpiresAt ?? '—'}, cancel cutoff ${view.deadlines.cancelCutoffAt ?? '—'}`
          );
          out('Timeline:');
          for (const t of view.timeline.slice(-15))
            out(`  ${t.at} ${t.phoneNumber ? `${t.phoneNumber} ` : ''}${t.message}`);
        }
        link(orderId);
        return 0;
      }
      case 'watch': {
        const orderId = need(positionals[0], 'orderId');
        link(orderId);
        await watch(client, config, orderId, out);
        return 0;
      }
      case 'list': {
        for (const p of await listPortIns(client, values.query)) {
          out(
            `${p.workflowId}  ${(p.status ?? '?').padEnd(22)} pending ${p.pending ?? '?'}  ${p.requestSids.join(',')}`
          );
        }
        return 0;
      }
      case 'cancel': {
        const orderId = need(positionals[0], 'orderId');
        const result = await cancelPortIn(client, orderId, values.reason);
        out(`Canceling ${result.canceledRequestSids.length} request(s): ${result.canceledNumbers.join(', ')}`);
        link(orderId);
        return 0;
      }
      case 'cancel-numbers': {
        const orderId = need(positionals[0], 'orderId');
        const numbers = positionals.slice(1);
        if (numbers.length === 0) return usageError(out, 'cancel-numbers needs at least one E.164 number');
        const result = await cancelPhoneNumbers(client, orderId, numbers, values.reason);
        out(`Canceling ${result.canceledNumbers.join(', ')}`);
        link(orderId);
        return 0;
      }
      case 'resubmit': {
        const orderId = need(positionals[0], 'orderId');
        if (!values.carrier)
          return usageError(out, 'resubmit needs --carrier <file.json> with the corrected losing-carrier data');
        const parsed = losingCarrierSchema.safeParse(JSON.parse(await readFile(values.carrier, 'utf8')));
        if (!parsed.success)
          throw new OrderValidationError(
            zodProblems(parsed.error).map((p) => ({ ...p, path: `losingCarrierInformation.${p.path}` }))
          );
        const result = await resubmitRejected(client, orderId, {
          losingCarrierInformation: parsed.data,
          ...(values.numbers ? { phoneNumbers: values.numbers.split(',').map((s) => s.trim()) } : {}),
          ...(values['target-date'] ? { targetPortInDate: values['target-date'] } : {}),
        });
        out(`Resubmitted ${result.resubmittedNumbers.join(', ')} as ${result.newRequestSid}`);
        link(orderId);
        return 0;
      }
      default:
        return usageError(out, `unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof OrderValidationError) out(err.message);
    else if (err instanceof WorkflowUpdateFailedError) out(`Refused: ${err.cause?.message ?? err.message}`);
    else if (err instanceof WorkflowNotFoundError || (err instanceof Error && /already completed/.test(err.message))) {
      // Updates to a closed workflow come back as "not found": say which it is.
      const orderId = positionals[0] ?? '';
      const exists = await client.workflow
        .getHandle(portInWorkflowId(orderId))
        .describe()
        .then(() => true)
        .catch(() => false);
      out(exists ? `Order ${orderId} has already ended; nothing was changed.` : `No such order: ${orderId}`);
    } else if (err instanceof CliUsageError) return usageError(out, err.message);
    else throw err;
    return 1;
  } finally {
    await client.connection.close();
  }
}

class CliUsageError extends Error {}

function need(value: string | undefined, what: string): string {
  if (!value) throw new CliUsageError(`missing <${what}>`);
  return value;
}

function usageError(out: (line: string) => void, message: string): number {
  out(`Error: ${message}\n\n${USAGE}`);
  return 2;
}

async function watch(
  client: Client,
  _config: PortflowConfig,
  orderId: string,
  out: (line: string) => void
): Promise<void> {
  const writer = new ProgressWriter();
  const handle = client.workflow.getHandle(portInWorkflowId(orderId));
  for (;;) {
    const view = await getPortInStatus(client, orderId);
    writer.update(renderProgress(view, { color: writer.isTty }));
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING') {
      try {
        await handle.result();
      } catch (err) {
        if (err instanceof WorkflowFailedError) out(`Order failed: ${err.cause?.message ?? err.message}`);
        else throw err;
      }
      return;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}
