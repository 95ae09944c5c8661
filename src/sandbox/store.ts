import type { ConfigurationRefusal, IncomingNumberRecord, MessagingServiceRecord } from './incoming-numbers';
import type { Address, DocumentRecord, NumberRecord, PortInRecord, WebhookConfiguration } from './model';

/**
 * In-memory state of the sandbox with the indexes the hot paths need: O(1) lookups by SID and by
 * phone number, creation order for paging.
 */
export class SandboxStore {
  readonly requests = new Map<string, PortInRecord>();
  /** Requests in creation order (the PortInRequests list pages through this). */
  readonly requestOrder: PortInRecord[] = [];
  readonly documents = new Map<string, DocumentRecord>();
  readonly numbers = new Map<string, NumberRecord>();
  /** Phone number → the number record of an open port (not rejected, canceled or completed). */
  readonly activeByPhone = new Map<string, NumberRecord>();
  /** Phone numbers already ported into an account (Completed): phone → account SID. */
  readonly ported = new Map<string, string>();
  /** `account|phone` of numbers the carrier has rejected once (scenario 015x accepts the next try). */
  readonly rejectedOnce = new Set<string>();
  readonly webhookConfigs = new Map<string, WebhookConfiguration>();
  /** Address resources (`AD…`) a create may name in `address_sid`, registered through the control API. */
  readonly addresses = new Map<string, Address>();
  /** The account's numbers (REST API 2010-04-01 IncomingPhoneNumbers) by `PN…` sid, and by phone number. */
  readonly incomingNumbers = new Map<string, IncomingNumberRecord>();
  readonly incomingByPhone = new Map<string, IncomingNumberRecord>();
  /** Messaging Services (`MG…`) registered through the control API. */
  readonly messagingServices = new Map<string, MessagingServiceRecord>();
  /** Phone number → the error its configuration calls answer (registered through the control API). */
  readonly configurationRefusals = new Map<string, ConfigurationRefusal>();
  private ticket = 100000;

  nextSupportTicketId(): number {
    return ++this.ticket;
  }

  addRequest(req: PortInRecord): void {
    this.requests.set(req.sid, req);
    this.requestOrder.push(req);
    for (const n of req.numbers) {
      this.numbers.set(n.sid, n);
      this.activeByPhone.set(n.phoneNumber, n);
    }
  }

  reset(): void {
    this.requests.clear();
    this.requestOrder.length = 0;
    this.documents.clear();
    this.numbers.clear();
    this.activeByPhone.clear();
    this.ported.clear();
    this.rejectedOnce.clear();
    this.webhookConfigs.clear();
    this.addresses.clear();
    this.incomingNumbers.clear();
    this.incomingByPhone.clear();
    this.messagingServices.clear();
    this.configurationRefusals.clear();
  }
}
