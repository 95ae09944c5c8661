import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { locateBinary, TemporalBinaryError } from '../../../src/temporal-server/binaries';
import { makeTempDir } from '../../helpers/hygiene';

describe('locateBinary', () => {
  const dir = makeTempDir('portflow-bin-');
  const fake = path.join(dir, 'temporal');
  writeFileSync(fake, '#!/bin/sh\necho fake\n');
  chmodSync(fake, 0o755);

  it('prefers an explicit path from the environment', () => {
    expect(locateBinary('temporal', { TEMPORAL_CLI_PATH: fake, PATH: '' })).toEqual({
      tool: 'temporal',
      path: fake,
      source: 'env',
    });
  });

  it('then looks on PATH', () => {
    expect(locateBinary('temporal', { PATH: dir })).toMatchObject({ path: fake, source: 'path' });
  });

  it('says which variable is wrong when the explicit path is not executable', () => {
    const notExecutable = path.join(dir, 'not-executable');
    writeFileSync(notExecutable, '');
    expect(() => locateBinary('temporal-test-server', { TEMPORAL_TEST_SERVER_PATH: notExecutable })).toThrow(
      TemporalBinaryError
    );
    expect(() => locateBinary('temporal-test-server', { TEMPORAL_TEST_SERVER_PATH: notExecutable })).toThrow(
      /TEMPORAL_TEST_SERVER_PATH=.*not an executable file/
    );
  });
});
