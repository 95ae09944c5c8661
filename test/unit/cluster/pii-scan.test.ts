import { findSecrets } from '../../../test/cluster/pii-scan';

describe('findSecrets (the pg_dump scan of the cluster chaos test)', () => {
  const secrets = { PIN: '73920184', NAME: 'Quillfeather Salvage LLC' };

  it('finds a secret in the dump text', () => {
    expect(findSecrets("INSERT ... VALUES ('Quillfeather Salvage LLC');", secrets)).toEqual(['NAME (text)']);
  });

  it('finds a secret inside a bytea value, which pg_dump writes as hex', () => {
    const blob = Buffer.concat([
      Buffer.from([0x0a, 0x12, 0x00]),
      Buffer.from('{"pin":"73920184"}'),
      Buffer.from([0xff]),
    ]);
    expect(findSecrets(`1\t\\\\x${blob.toString('hex')}\t2\n`, secrets)).toEqual(['PIN (bytea)']);
    expect(findSecrets(`COPY t (data) FROM stdin;\n\\x${blob.toString('hex')}\n`, secrets)).toEqual(['PIN (bytea)']);
  });

  it('finds nothing in ciphertext', () => {
    expect(findSecrets(`\\x${Buffer.from('not the pin 7392O184').toString('hex')}`, secrets)).toEqual([]);
  });
});
