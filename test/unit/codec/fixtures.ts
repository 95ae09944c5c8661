import { randomBytes } from 'node:crypto';
import { Keyring } from '../../../src/codec/keys';

/** A PIN and account number as they would sit in a port-in order: the strings that must never leak. */
export const SECRET_PIN = '8675309';
export const SECRET_ACCOUNT_NUMBER = 'ACCT-4417-1234-5678';

export const losingCarrierInfo = {
  customerType: 'Business',
  customerName: 'Acme Plumbing',
  accountNumber: SECRET_ACCOUNT_NUMBER,
  accountTelephoneNumber: '+15017122661',
  pin: SECRET_PIN,
  authorizedRepresentative: 'Jane Doe',
};

/** A random 32-byte key in base64, as PORTFLOW_ENCRYPTION_KEYS expects. */
export function newKeyBase64(): string {
  return randomBytes(32).toString('base64');
}

/** A keyring of freshly generated keys; the first id is active. */
export function newKeyring(...ids: string[]): Keyring {
  const keys = new Map(ids.map((id) => [id, randomBytes(32)] as const));
  return new Keyring(keys, ids[0] ?? 'k1');
}

/** True when `needle` occurs anywhere in `haystack`, as UTF-8 bytes. */
export function containsText(haystack: Uint8Array, needle: string): boolean {
  return Buffer.from(haystack).includes(Buffer.from(needle, 'utf8'));
}
