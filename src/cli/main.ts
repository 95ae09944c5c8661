/**
 * portflow's CLI: `npx portflow <command>` (in this repository `npm run portflow -- <command>`).
 * Every command that touches an order takes its order id or its workflow id (`portin-<orderId>`)
 * and prints the order's Temporal UI link; refusals say why; `--json` output is JSON only.
 */
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import { loadDataConverter } from '../codec/data-converter';
import { ConfigError, loadConfig } from '../config';
import type { PortflowConfig } from '../config';
import { losingCarrierSchema, orderIdSchema, zodProblems } from '../order';
import { OrderValidationError, validateOrder } from '../order-validation';
import {
  cancelPhoneNumbers,
  cancelPortIn,
  DEFAULT_UPDATE_WAIT_MS,
  innermostApplicationFailure,
  listPortIns,
  portInHandle,
  resubmitRejected,
  startPortIn,
  updateRefusal,
  UpdateStillRunningError,
  workflowUiUrl,
} from '../starter';
import { DEFAULT_ORPHANS_LIMIT, listOrphans } from '../orphans';
import { portingClientFromConfig } from '../porting-client';
import { connectTemporalClient } from '../temporal-connection';
import { TwilioApiError } from '../twilio/errors';
import { orderIdFromWorkflowId, portInStatusQuery, portInWorkflowId } from '../workflows/messages';
import type { FailureView, PortInStatusView } from '../workflows/messages';
import { dryRunOrder, renderDryRun } from './dry-run';
import { JsonFileError, readJsonFile } from './json-file';
import { ProgressWriter, renderProgress } from './progress';
import { attentionText, failureLine, renderList, renderOrphans, renderStatus } from './render';
import type { ListRow } from './render';

export const USAGE = `Usage: portflow <command> [options]      (in this repository: npm run portflow -- <command>)

<id> is an order id or its workflow id (portin-<orderId>).

Commands:
  start --order <file.json> [--dry-run] [--watch]
                                 validate and start a port-in order (the same order id twice: the existing one).
                                 --dry-run validates and checks every number's portability with Twilio
                                 (or the sandbox) without creating anything
  status <id> [--json] [--all]   the order: status, failure or attention reason, numbers, deadlines, timeline.
                                 Orders of more than 25 numbers are summarised unless --all
  watch <id>                     live per-number progress until the order ends
  list [--query '<visibility query>'] [--limit <n>] [--json]
                                 port-ins, e.g. --query 'PortInStatus = "Action Required"'
  cancel <id> [--reason <text>] [--wait <seconds>]
                                 cancel the whole order (refused within 72 h of the port date)
  cancel-numbers <id> <+1…> [<+1…>…] [--reason <text>] [--wait <seconds>]
                                 cancel some numbers
  resubmit <id> --carrier <file.json> [--numbers +1…,+1…] [--target-date YYYY-MM-DD] [--wait <seconds>]
                                 resubmit rejected numbers with corrected losing-carrier data
  orphans [--limit <n>] [--json] verified webhook events no order received (unclaimed request, or its order had ended)
  help                           this text

Updates (cancel, cancel-numbers, resubmit) wait --wait seconds [${DEFAULT_UPDATE_WAIT_MS / 1000}] for their result;
one still running then is reported as such and finishes on its own.
Settings come from the environment (TEMPORAL_*, TWILIO_*, PORTFLOW_ENCRYPTION_*): see docs/configuration.md.
`;

/** Where the CLI writes and what it reads; tests and the packaged entry pass their own. */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
}

const consoleIo: CliIo = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  env: process.env,
};

type Options = NonNullable<ParseArgsConfig['options']>;
const wait = { wait: { type: 'string' } } as const;
const reason = { reason: { type: 'string' } } as const;
const COMMANDS: Record<string, Options> = {
  start: { order: { type: 'string' }, 'dry-run': { type: 'boolean' }, watch: { type: 'boolean' } },
  status: { json: { type: 'boolean' }, all: { type: 'boolean' } },
  watch: {},
  list: { query: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
  cancel: { ...reason, ...wait },
  'cancel-numbers': { ...reason, ...wait },
  resubmit: { carrier: { type: 'string' }, numbers: { type: 'string' }, 'target-date': { type: 'string' }, ...wait },
  orphans: { limit: { type: 'string' }, json: { type: 'boolean' } },
};

/** A mistake in the command line: exit code 2, with the usage text. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

/** Something the operator asked cannot be done; the message says why (exit code 1). */
class CliRefusal extends Error {}

/** Runs one command; resolves to the process exit code (0 done, 1 refused or failed, 2 usage). */
export async function runCli(argv: string[], io: Partial<CliIo> = {}): Promise<number> {
  const { out, err, env } = { ...consoleIo, ...io };
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    (command ? out : err)(USAGE);
    return command ? 0 : 2;
  }
  const options = COMMANDS[command];
  if (!options) return usageError(err, `unknown command "${command}"`);
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: rest, options, allowPositionals: true, strict: true }) as {
      values: Record<string, string | boolean | undefined>;
      positionals: string[];
    });
  } catch (e) {
    return usageError(err, `${command}: ${(e as Error).message}`);
  }

  let config: PortflowConfig;
  try {
    config = loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      err(e.message);
      return 1;
    }
    throw e;
  }

  const resources: Array<() => Promise<void> | void> = [];
  let temporal: Client | undefined;
  const connect = async (): Promise<Client> => {
    if (temporal) return temporal;
    const client = await connectTemporalClient(config.temporal, {
      dataConverter: await loadDataConverter(config),
    }).catch((e: unknown) => {
      // The factory's message names the address, the settings and the cause.
      throw new CliRefusal(e instanceof Error ? e.message : String(e));
    });
    resources.push(() => client.connection.close());
    temporal = client;
    return temporal;
  };
  const link = (orderId: string) =>
    workflowUiUrl(config.temporal.uiUrl, config.temporal.namespace, portInWorkflowId(orderId));
  const waitMs = () => {
    if (values.wait === undefined) return DEFAULT_UPDATE_WAIT_MS;
    const seconds = Number(values.wait);
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
      throw new CliUsageError(`--wait: expected a number of seconds between 1 and 3600, got "${String(values.wait)}"`);
    }
    return seconds * 1000;
  };
  let orderId = '';
  const target = async (): Promise<string> => {
    const arg = positionals[0];
    if (!arg) throw new CliUsageError(`${command} needs <id>: an order id or a workflow id (portin-<orderId>)`);
    orderId = await resolveOrderId(await connect(), arg);
    return orderId;
  };

  try {
    switch (command) {
      case 'start': {
        if (typeof values.order !== 'string') throw new CliUsageError('start needs --order <file.json>');
        if (positionals.length > 0)
          throw new CliUsageError(`start takes no arguments besides options, got "${positionals[0]}"`);
        const file = values.order;
        const input = await readJsonFile(file);
        // Every problem of the order at once, under the file's name.
        const inFile = (e: unknown): never => {
          throw e instanceof OrderValidationError ? new CliRefusal(`${file}: ${e.message}`) : e;
        };
        if (values['dry-run']) {
          if (values.watch)
            throw new CliUsageError('--watch and --dry-run do not go together: a dry run starts nothing');
          const order = (() => {
            try {
              return validateOrder(input);
            } catch (e) {
              return inFile(e);
            }
          })();
          const porting = portingClientFromConfig(config.twilio, { maxRetries: 1 });
          resources.push(() => porting.close());
          const report = await dryRunOrder(order, porting, {
            twilio: `${config.twilio.apiBaseUrl}${config.twilio.usesSandbox ? ' (sandbox)' : ''}`,
          });
          for (const line of renderDryRun(report)) out(line);
          return report.ok ? 0 : 1;
        }
        const client = await connect();
        const started = await startPortIn(client, input, { taskQueue: config.temporal.taskQueue }).catch(inFile);
        orderId = orderIdFromWorkflowId(started.workflowId) ?? '';
        out(
          started.started
            ? `Started ${started.workflowId} (run ${started.runId}) on task queue ${config.temporal.taskQueue}`
            : `Already exists: ${started.workflowId} (run ${started.runId}); nothing new was started`
        );
        out(`Temporal UI: ${link(orderId)}`);
        if (values.watch) return await watch(client, orderId, out);
        return 0;
      }
      case 'status': {
        const id = await target();
        const view = await queryStatus(await connect(), id, config);
        if (values.json) {
          out(JSON.stringify(view, null, 2));
          return 0;
        }
        for (const line of renderStatus(view, { all: values.all === true })) out(line);
        out(`Temporal UI: ${link(id)}`);
        return 0;
      }
      case 'watch': {
        const id = await target();
        out(`Temporal UI: ${link(id)}`);
        return await watch(await connect(), id, out);
      }
      case 'list': {
        const limit = values.limit === undefined ? 100 : Number(values.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
          throw new CliUsageError(`--limit: expected a whole number from 1 to 10000, got "${String(values.limit)}"`);
        }
        const client = await connect();
        const rows: ListRow[] = await listPortIns(client, values.query as string | undefined, limit);
        await addReasons(client, rows);
        if (values.json) out(JSON.stringify(rows, null, 2));
        else for (const line of renderList(rows)) out(line);
        return 0;
      }
      case 'cancel': {
        const id = await target();
        const result = await cancelPortIn(await connect(), id, values.reason as string | undefined, {
          waitMs: waitMs(),
        });
        out(
          `Canceling ${result.canceledRequestSids.length} request(s) of order ${id}: ${result.canceledNumbers.join(', ') || 'no open numbers'}`
        );
        out(`Temporal UI: ${link(id)}`);
        return 0;
      }
      case 'cancel-numbers': {
        const numbers = positionals.slice(1);
        if (numbers.length === 0) throw new CliUsageError('cancel-numbers needs at least one E.164 number after <id>');
        const id = await target();
        const result = await cancelPhoneNumbers(await connect(), id, numbers, values.reason as string | undefined, {
          waitMs: waitMs(),
        });
        out(`Canceling ${result.canceledNumbers.join(', ')} of order ${id}`);
        out(`Temporal UI: ${link(id)}`);
        return 0;
      }
      case 'resubmit': {
        if (typeof values.carrier !== 'string') {
          throw new CliUsageError('resubmit needs --carrier <file.json> with the corrected losing-carrier data');
        }
        const parsed = losingCarrierSchema.safeParse(await readJsonFile(values.carrier));
        if (!parsed.success) {
          throw new OrderValidationError(
            zodProblems(parsed.error).map((p) => ({
              ...p,
              path: p.path ? `losingCarrierInformation.${p.path}` : 'losingCarrierInformation',
            }))
          );
        }
        const id = await target();
        const result = await resubmitRejected(
          await connect(),
          id,
          {
            losingCarrierInformation: parsed.data,
            ...(typeof values.numbers === 'string'
              ? {
                  phoneNumbers: values.numbers
                    .split(',')
                    .map((s) => s.trim())
                    .filter(Boolean),
                }
              : {}),
            ...(typeof values['target-date'] === 'string' ? { targetPortInDate: values['target-date'] } : {}),
          },
          { waitMs: waitMs() }
        );
        out(`Resubmitted ${result.resubmittedNumbers.join(', ')} of order ${id} as ${result.newRequestSid}`);
        out(`Temporal UI: ${link(id)}`);
        return 0;
      }
      case 'orphans': {
        const limit = values.limit === undefined ? DEFAULT_ORPHANS_LIMIT : Number(values.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
          throw new CliUsageError(`--limit: expected a whole number from 1 to 1000, got "${String(values.limit)}"`);
        }
        const orphans = await listOrphans(await connect(), limit);
        if (values.json) out(JSON.stringify(orphans, null, 2));
        else for (const line of renderOrphans(orphans)) out(line);
        return 0;
      }
      default:
        return usageError(err, `unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof CliUsageError) return usageError(err, e.message);
    const message = await explain(e, orderId, temporal, config);
    if (message === null) throw e;
    err(message);
    return 1;
  } finally {
    for (const close of resources.reverse()) await close();
  }
}

/**
 * `portin-<orderId>` or `<orderId>` to the order id. A workflow id is taken as such when that
 * workflow exists (an order id may itself begin with `portin-`).
 */
export async function resolveOrderId(client: Client, arg: string): Promise<string> {
  const fromWorkflowId = orderIdFromWorkflowId(arg);
  if (fromWorkflowId !== null) {
    const exists = await client.workflow
      .getHandle(arg)
      .describe()
      .then(
        () => true,
        () => false
      );
    if (exists) return fromWorkflowId;
  }
  if (!orderIdSchema.safeParse(arg).success) {
    throw new CliRefusal(
      `"${arg}" is neither an order id nor a workflow id: expected 1-100 letters, digits and . _ : - (or portin-<orderId>)`
    );
  }
  return arg;
}

/** How long `status` waits for the order's worker to answer its query. */
const QUERY_WAIT_MS = 15_000;

async function queryStatus(client: Client, orderId: string, config: PortflowConfig): Promise<PortInStatusView> {
  const handle = portInHandle(client, orderId);
  try {
    const view = await client.connection.withDeadline(Date.now() + QUERY_WAIT_MS, () =>
      handle.query(portInStatusQuery)
    );
    // A workflow that failed without recording why in its state still has its failure in Temporal.
    if (!view.failure) {
      const failure = await executionFailure(client, handle.workflowId);
      if (failure) return { ...view, failure };
    }
    return view;
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) throw e;
    // No answer: most often no worker polls the order's task queue. Say what Temporal itself knows.
    const d = await handle.describe().catch(() => null);
    if (!d) throw e;
    const status = d.searchAttributes.PortInStatus?.[0];
    throw new CliRefusal(
      `Order ${orderId} did not answer its status query within ${QUERY_WAIT_MS / 1000} s: is a worker polling task queue ` +
        `"${d.taskQueue}"? (this CLI starts orders on "${config.temporal.taskQueue}", TEMPORAL_TASK_QUEUE)\n` +
        `Temporal says: ${d.status.name}, PortInStatus ${String(status ?? '?')}, ` +
        `${String(d.searchAttributes.PortInNumbersPending?.[0] ?? '?')} number(s) pending.`
    );
  }
}

/** The failure of a closed execution that failed, timed out or was terminated; null otherwise. */
async function executionFailure(client: Client, workflowId: string): Promise<FailureView | null> {
  const handle = client.workflow.getHandle(workflowId);
  const { status } = await handle.describe();
  if (!['FAILED', 'TERMINATED', 'TIMED_OUT'].includes(status.name)) return null;
  return handle.result().then(
    () => null,
    (e: unknown) => {
      if (!(e instanceof WorkflowFailedError)) return null;
      const app = innermostApplicationFailure(e);
      const code = /^Twilio\.(\d+)$/.exec(app?.type ?? '')?.[1];
      return {
        type: app?.type ?? (status.name === 'FAILED' ? 'WorkflowFailed' : status.name),
        code: code === undefined ? null : Number(code),
        message: app?.message ?? e.cause?.message ?? e.message,
      };
    }
  );
}

/** The reason of each Failed or Needs Attention order in a list (bounded: a query or a result each). */
async function addReasons(client: Client, rows: ListRow[]): Promise<void> {
  const needing = rows.filter(
    (r) =>
      r.status === 'Failed' ||
      r.status === 'Needs Attention' ||
      ['FAILED', 'TERMINATED', 'TIMED_OUT'].includes(r.executionStatus)
  );
  for (const row of needing.slice(0, 20)) {
    const handle = client.workflow.getHandle(row.workflowId);
    try {
      const view = await client.connection.withDeadline(Date.now() + 5000, () => handle.query(portInStatusQuery));
      const attention = attentionText(view.attention);
      row.reason = failureLine(view.failure) ?? (attention ? `Needs attention: ${attention}` : null);
    } catch {
      // No answer (no worker): a closed execution still has its failure.
    }
    if (!row.reason) row.reason = failureLine(await executionFailure(client, row.workflowId).catch(() => null));
  }
}

/** The sentence for an error the operator can act on, or null for a bug (rethrown). */
async function explain(
  e: unknown,
  orderId: string,
  client: Client | undefined,
  config: PortflowConfig
): Promise<string | null> {
  if (e instanceof CliRefusal || e instanceof JsonFileError || e instanceof OrderValidationError) return e.message;
  if (e instanceof UpdateStillRunningError) return `Still running: ${e.message}`;
  const refusal = updateRefusal(e);
  if (refusal) {
    if (refusal.twilio) {
      const { code, status, moreInfo } = refusal.twilio;
      const head = [code != null ? `code ${code}` : null, status != null ? `HTTP ${status}` : null]
        .filter(Boolean)
        .join(', ');
      return `Refused by Twilio${head ? ` (${head})` : ''}: ${refusal.message}${moreInfo ? `\n  More: ${moreInfo}` : ''}\nNothing was changed by this update; see portflow status ${orderId}`;
    }
    return `Refused: ${refusal.message}`;
  }
  if (e instanceof TwilioApiError) {
    return `Twilio (${config.twilio.apiBaseUrl}) answered ${e.status ?? 'no response'}${e.code != null ? `, code ${e.code}` : ''}: ${e.message}`;
  }
  if (e instanceof WorkflowNotFoundError || (e instanceof Error && /already completed/.test(e.message))) {
    // Updates to a closed workflow come back as "not found": say which it is.
    const exists =
      client && orderId
        ? await portInHandle(client, orderId)
            .describe()
            .then(
              () => true,
              () => false
            )
        : false;
    return exists ? `Order ${orderId} has already ended; nothing was changed.` : `No such order: ${orderId}`;
  }
  if (e instanceof Error && 'code' in e && (e as { code?: unknown }).code === 'ECONNREFUSED') return e.message;
  return null;
}

function usageError(err: (line: string) => void, message: string): number {
  err(`Error: ${message}\n\n${USAGE}`);
  return 2;
}

async function watch(client: Client, orderId: string, out: (line: string) => void): Promise<number> {
  const writer = new ProgressWriter();
  const handle = portInHandle(client, orderId);
  for (;;) {
    const view = await handle.query(portInStatusQuery);
    writer.update(renderProgress(view, { color: writer.isTty }));
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING') {
      const failure = failureLine(view.failure);
      if (failure) out(failure);
      try {
        await handle.result();
      } catch (e) {
        if (!(e instanceof WorkflowFailedError)) throw e;
        if (!failure) out(`Order failed: ${e.cause?.message ?? e.message}`);
        return 1;
      }
      return failure ? 1 : 0;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}
