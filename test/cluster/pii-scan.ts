/**
 * Plaintext search of a `pg_dump`: the text as dumped, and every `bytea` value (dumped as `\x` hex)
 * decoded back to its bytes, since Temporal keeps histories and payloads as binary blobs.
 */

/** The names of the secrets found in the dump, with where (text or a bytea blob). */
export function findSecrets(dump: string, secrets: Record<string, string>): string[] {
  const found = new Set<string>();
  const check = (haystack: string, where: string) => {
    for (const [name, secret] of Object.entries(secrets))
      if (haystack.includes(secret)) found.add(`${name} (${where})`);
  };
  check(dump, 'text');
  for (const m of dump.matchAll(/\\\\?x((?:[0-9a-f]{2})+)/g)) {
    check(Buffer.from(m[1] as string, 'hex').toString('latin1'), 'bytea');
  }
  return [...found].sort();
}
