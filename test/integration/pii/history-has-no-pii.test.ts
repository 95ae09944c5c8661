/**
 * No PIN, account number or other losing-carrier PII in plaintext anywhere Temporal stores or
 * returns it: the history (searched as JSON with every byte field read as text, and as the raw
 * protobuf bytes), the workflow's failure and a query's raw answer. The worker and the client share
 * the encrypting data converter with a fresh keyring; a client without the codec cannot read the
 * input, the status or the failure, while the codec client still can.
 */
import { randomBytes } from 'node:crypto';
import { Client, WorkflowFailedError } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { Worker } from '@temporalio/worker';
import { createDataConverter } from '../../../src/codec/data-converter';
import { ENCODING_ENCRYPTED, EncryptionCodec } from '../../../src/codec/encryption-codec';
import { Keyring } from '../../../src/codec/keys';
import type { LosingCarrierInput } from '../../../src/order';
import { startSandbox } from '../../../src/sandbox';
import { PortInCustomer } from '../../../src/search-attributes';
import type { SandboxHandle } from '../../../src/sandbox';
import { getPortInStatus, resubmitRejected, startPortIn, waitForPortIn } from '../../../src/starter';
import type { PortingClient } from '../../../src/twilio/client';
import { createPortflowWorker } from '../../../src/worker';
import { portInStatusQuery, portInWorkflowId } from '../../../src/workflows/messages';
import { buildOrder, eventually, FAST_TIMELINE, sandboxPortingClient } from '../../helpers/portflow-env';
import { connectTemporal, devServerAddress, uniqueTaskQueue, workflowBundle } from '../../helpers/temporal';
import type { TemporalTestContext } from '../../helpers/temporal';

const DAY = 86_400_000;

// Distinctive values, so that finding one anywhere can only mean a leak.
const PIN = '90817263';
const CORRECTED_PIN = '55443322';
const ACCOUNT_NUMBER = 'ACCT-PII-55102938';
const CUSTOMER_NAME = 'Zanzibar Pottery LLC';
const REPRESENTATIVE = 'Quentin Privatus';
const EMAIL = 'quentin.privatus@example.com';
const STREET = '77 Secretive Lane';
const SECRETS = { PIN, CORRECTED_PIN, ACCOUNT_NUMBER, CUSTOMER_NAME, REPRESENTATIVE, EMAIL, STREET };

const losingCarrier: LosingCarrierInput = {
  customerType: 'Business',
  customerName: CUSTOMER_NAME,
  accountNumber: ACCOUNT_NUMBER,
  accountTelephoneNumber: '+14155550100',
  authorizedRepresentative: REPRESENTATIVE,
  authorizedRepresentativeEmail: EMAIL,
  address: { street: STREET, city: 'San Francisco', state: 'CA', zip: '94105', country: 'US' },
};

/** The history as plain JSON, with every byte field read as UTF-8 text so that plaintext inside a payload shows. */
function jsonWithBytesAsText(history: temporal.api.history.v1.IHistory): string {
  const History = temporal.api.history.v1.History;
  // toObject with bytes as arrays (protobufjs' own toJSON would turn bytes into base64, hiding plaintext).
  const plainObject = History.toObject(History.decode(historyBytes(history)), {
    bytes: Array,
    longs: String,
    enums: String,
  });
  return JSON.stringify(plainObject, (_key, v: unknown) =>
    Array.isArray(v) && v.length > 0 && v.every((n) => Number.isInteger(n) && n >= 0 && n < 256)
      ? Buffer.from(v as number[]).toString('utf8')
      : v
  );
}

/** The names of the secrets found in `text` or `bytes` (empty when none leaked). */
function leaks(haystack: string | Uint8Array): string[] {
  const text = typeof haystack === 'string' ? haystack : Buffer.from(haystack).toString('latin1');
  return Object.entries(SECRETS)
    .filter(([, secret]) => text.includes(secret))
    .map(([name]) => name);
}

/** Calls `visit` with the path and `encoding` metadata of every payload-shaped object under `value`. */
function walkPayloads(value: unknown, where: string, visit: (where: string, encoding: string) => void): void {
  if (!value || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => walkPayloads(item, `${where}[${i}]`, visit));
    return;
  }
  const record = value as Record<string, unknown>;
  if ('data' in record && record.metadata && typeof record.metadata === 'object') {
    const raw = (record.metadata as Record<string, number[]>).encoding;
    visit(where, raw ? Buffer.from(raw).toString('utf8') : '(no encoding)');
    return;
  }
  for (const [key, child] of Object.entries(record)) walkPayloads(child, `${where}.${key}`, visit);
}

function historyBytes(history: temporal.api.history.v1.IHistory): Uint8Array {
  return temporal.api.history.v1.History.encode(history).finish();
}

function encodingOf(payload: Payload | null | undefined): string | undefined {
  const raw = payload?.metadata?.encoding;
  return raw ? Buffer.from(raw).toString('utf8') : undefined;
}

describe('no PII in Temporal history with the encrypting data converter', () => {
  let sandbox: SandboxHandle;
  let porting: PortingClient;
  let t: TemporalTestContext;
  let plain: Client;
  let newWorker: () => Promise<Worker>;
  let keyring: Keyring;
  const taskQueue = uniqueTaskQueue('pii');

  beforeAll(async () => {
    keyring = new Keyring(new Map([['pii-test', randomBytes(32)]]), 'pii-test');
    const dataConverter = await createDataConverter(keyring);
    // Real time with short carrier delays (as startPortflowEnv): no race with the 7-day target-date rule.
    sandbox = await startSandbox({ clockScale: 1, timeline: FAST_TIMELINE });
    porting = sandboxPortingClient(sandbox);
    t = await connectTemporal(devServerAddress(), { dataConverter });
    plain = new Client({ connection: t.connection, namespace: 'default' });
    // A worker runs once: each test makes its own, on the same queue, with the encrypting converter.
    newWorker = () =>
      createPortflowWorker({
        connection: t.nativeConnection,
        taskQueue,
        porting,
        // The run's shared bundle carries the encoding failure converter (test/helpers/global-setup.ts).
        workflowBundle: workflowBundle(),
        dataConverter,
      });
  });

  afterAll(async () => {
    porting?.close();
    await t?.close();
    await sandbox?.stop();
  });

  it('detects a leak when the codec is off (the search is not vacuous)', async () => {
    const order = buildOrder(sandbox, [{ phoneNumber: '+14155550205', pin: PIN }], {
      losingCarrierInformation: losingCarrier,
    });
    // Started by a client without the codec, on a queue no worker polls: the input is plaintext.
    const handle = await plain.workflow.start('portInWorkflow', {
      workflowId: `pii-control-${order.orderId}`,
      taskQueue: uniqueTaskQueue('pii-control'),
      args: [{ order }],
    });
    try {
      const history = await handle.fetchHistory();
      expect(leaks(historyBytes(history))).toEqual(expect.arrayContaining(['PIN', 'ACCOUNT_NUMBER', 'CUSTOMER_NAME']));
      expect(leaks(jsonWithBytesAsText(history))).toEqual(expect.arrayContaining(['PIN', 'ACCOUNT_NUMBER']));
    } finally {
      await handle.terminate('control case done');
    }
  });

  it('keeps the PIN, account number and carrier data out of a completed order’s history, with a resubmission', async () => {
    const rejected = '+14155550155'; // rejected once with 22155 (invalid PIN), accepted when resubmitted
    const order = buildOrder(
      sandbox,
      [{ phoneNumber: '+14155550203', pin: PIN }, { phoneNumber: rejected, pin: PIN }, '+14155551201'],
      { losingCarrierInformation: losingCarrier }
    );
    const handle: WorkflowHandle = t.client.workflow.getHandle(portInWorkflowId(order.orderId));
    const worker = await newWorker();
    const { result, view, rawAnswer, rawDesk, desk } = await worker.runUntil(async () => {
      await startPortIn(t.client, order, { taskQueue, now: sandbox.clock.now() });
      await eventually(
        async () => ((await getPortInStatus(t.client, order.orderId)).status === 'Action Required' ? true : undefined),
        { what: 'Action Required' }
      );
      // The update's input carries the account number and a corrected PIN: it is in history too.
      await resubmitRejected(t.client, order.orderId, {
        losingCarrierInformation: { ...losingCarrier, address: { ...losingCarrier.address!, street2: 'Unit 9' } },
        pins: { [rejected]: CORRECTED_PIN },
        targetPortInDate: new Date(sandbox.clock.now().getTime() + 10 * DAY).toISOString().slice(0, 10),
      });
      const result = await waitForPortIn(t.client, order.orderId);
      // A query needs a worker, even on a closed workflow: ask while this one runs.
      const raw = await t.connection.workflowService.queryWorkflow({
        namespace: 'default',
        execution: { workflowId: handle.workflowId },
        query: { queryType: 'portInStatus' },
      });
      // The porting desk (current details) travels in the SDK's metadata query, which the UI calls.
      const rawDesk = await t.connection.workflowService.queryWorkflow({
        namespace: 'default',
        execution: { workflowId: handle.workflowId },
        query: { queryType: '__temporal_workflow_metadata' },
      });
      const desk = (await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata')).currentDetails;
      return {
        result,
        view: await getPortInStatus(t.client, order.orderId),
        rawAnswer: raw.queryResult,
        rawDesk: rawDesk.queryResult,
        desk,
      };
    });
    expect(result.outcome).toBe('completed');
    // The codec client still reads everything: the query answers through the codec.
    expect(view.status).toBe('Completed');
    expect(view.numbers.find((n) => n.phoneNumber === rejected)?.previousAttempts).toHaveLength(1);
    // A query's raw answer is ciphertext.
    expect(encodingOf(rawAnswer?.payloads?.[0])).toBe(ENCODING_ENCRYPTED);
    expect(leaks(temporal.api.common.v1.Payloads.encode(rawAnswer!).finish())).toEqual([]);
    // The desk too: ciphertext on the wire, readable through the codec, and no secret in it.
    expect(encodingOf(rawDesk?.payloads?.[0])).toBe(ENCODING_ENCRYPTED);
    expect(desk).toMatch(/^## Completed · order /);
    expect(desk).toContain(rejected);
    expect(leaks(desk ?? '')).toEqual([]);

    const history = await handle.fetchHistory();
    const events = history.events ?? [];
    expect(events.length).toBeGreaterThan(20);
    expect(events.some((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toBe(true);

    // The whole history, as protobuf bytes and as JSON with bytes read as text: no secret.
    expect(leaks(historyBytes(history))).toEqual([]);
    expect(leaks(jsonWithBytesAsText(history))).toEqual([]);

    // Not vacuous: the input is there, encrypted, and the codec decrypts it to the PIN and account number.
    const codec = new EncryptionCodec(keyring);
    const input = events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    expect(encodingOf(input)).toBe(ENCODING_ENCRYPTED);
    const [decoded] = await codec.decode([input as Payload]);
    expect(leaks(Buffer.from(decoded!.data!).toString('utf8'))).toEqual(
      expect.arrayContaining(['PIN', 'ACCOUNT_NUMBER', 'CUSTOMER_NAME', 'STREET'])
    );
    const update = events.find((e) => e.workflowExecutionUpdateAcceptedEventAttributes)
      ?.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.args?.payloads?.[0];
    expect(encodingOf(update)).toBe(ENCODING_ENCRYPTED);
    const [decodedUpdate] = await codec.decode([update as Payload]);
    expect(leaks(Buffer.from(decodedUpdate!.data!).toString('utf8'))).toEqual(
      expect.arrayContaining(['CORRECTED_PIN', 'ACCOUNT_NUMBER'])
    );

    // Every payload in the history is encrypted, whatever event carries it, except search
    // attributes (the server indexes those, and they hold only opaque ids, statuses, dates and counts)
    // and what the SDK's core writes itself, past the codec: a patch marker's patch id, and a local
    // activity marker's `data` (its seq, attempt, activity id and type, times; the result beside it is
    // encrypted). The leak scan above covers them too.
    const History = temporal.api.history.v1.History;
    const plainPayloads: string[] = [];
    let encrypted = 0;
    walkPayloads(History.toObject(History.decode(historyBytes(history)), { bytes: Array }), '', (where, encoding) => {
      if (encoding === ENCODING_ENCRYPTED) encrypted++;
      else if (
        !/\.searchAttributes\.indexedFields\.\w+$|\.markerRecordedEventAttributes\.details\.(patch-data|data)\.payloads\[\d+\]$/.test(
          where
        )
      )
        plainPayloads.push(`${where}: ${encoding}`);
    });
    expect(plainPayloads).toEqual([]);
    expect(encrypted).toBeGreaterThan(20);
    // Summaries (the start's, each activity's and timer's) are payloads of the events' user metadata:
    // encrypted as well, and the walk above saw them.
    const summaries = events.filter((e) => e.userMetadata?.summary);
    expect(summaries.length).toBeGreaterThan(5);
    expect(summaries.every((e) => encodingOf(e.userMetadata!.summary as Payload) === ENCODING_ENCRYPTED)).toBe(true);
  });

  it('gives a client without the codec nothing readable: input, status and result stay ciphertext', async () => {
    const order = buildOrder(sandbox, ['+14155551202'], { losingCarrierInformation: losingCarrier });
    const handle = plain.workflow.getHandle(portInWorkflowId(order.orderId));
    const worker = await newWorker();
    const { blindQuery, blindResult, codecView } = await worker.runUntil(async () => {
      await startPortIn(t.client, order, { taskQueue, now: sandbox.clock.now() });
      await waitForPortIn(t.client, order.orderId);
      return {
        blindQuery: await handle.query(portInStatusQuery).catch((e: unknown) => e),
        blindResult: await handle.result().catch((e: unknown) => e),
        codecView: await getPortInStatus(t.client, order.orderId),
      };
    });
    // Metadata is readable (search attributes hold only opaque ids and statuses)...
    const description = await handle.describe();
    expect(description.status.name).toBe('COMPLETED');
    expect(description.typedSearchAttributes.get(PortInCustomer)).toBe('cust-0042');
    // ...the payloads are not: not the input, not the status, not the result.
    const history = await handle.fetchHistory();
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0] as Payload;
    expect(() => defaultPayloadConverter.fromPayload(input)).toThrow(/binary\/encrypted/);
    expect(String(blindQuery)).toMatch(/binary\/encrypted/);
    expect(String(blindResult)).toMatch(/binary\/encrypted/);
    // The codec client reads the same workflow.
    expect(codecView.status).toBe('Completed');
    expect(codecView.numbers.map((n) => n.phoneNumber)).toEqual(['+14155551202']);
  });

  it('encrypts the workflow’s failure: the history shows only "Encoded failure"', async () => {
    // A PIN-required number without its PIN: the order stops before anything is created.
    const order = buildOrder(sandbox, ['+14155550204', '+14155551203'], { losingCarrierInformation: losingCarrier });
    const worker = await newWorker();
    const failure = await worker.runUntil(async () => {
      await startPortIn(t.client, order, { taskQueue, now: sandbox.clock.now() });
      return waitForPortIn(t.client, order.orderId).catch((e: unknown) => e);
    });
    // Through the codec the failure is whole.
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe('PinAndAccountNumberRequired');
    expect(cause!.message).toContain('+14155550204');

    const history = await t.client.workflow.getHandle(portInWorkflowId(order.orderId)).fetchHistory();
    const failed = history.events?.find((e) => e.workflowExecutionFailedEventAttributes)
      ?.workflowExecutionFailedEventAttributes?.failure;
    expect(failed?.message).toBe('Encoded failure');
    expect(failed?.stackTrace ?? '').toBe('');
    expect(encodingOf(failed?.encodedAttributes as Payload)).toBe(ENCODING_ENCRYPTED);
    expect(leaks(historyBytes(history))).toEqual([]);
    expect(leaks(jsonWithBytesAsText(history))).toEqual([]);
    // Without the codec, the failure's message cannot be read.
    const blind = await plain.workflow
      .getHandle(portInWorkflowId(order.orderId))
      .result()
      .catch((e: unknown) => e);
    expect(JSON.stringify(blind)).not.toContain('+14155550204');
    expect(String((blind as Error).message)).not.toContain('+14155550204');
  });
});
