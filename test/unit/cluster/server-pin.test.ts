import { imageTag, interpolate, loadCompose, ComposeError } from '../../../scripts/cluster/compose';
import { goVersionAtLeast, readServerPin, ServerBuildError } from '../../../scripts/cluster/server-build';

describe('tools/temporal-server pins the server compose deploys', () => {
  const pin = readServerPin();
  const compose = loadCompose();

  it('has the version of the temporalio/server image', () => {
    expect(pin.version).toBe(imageTag(compose, 'temporal'));
  });

  it('has the version of the admin-tools image the jobs run (its tag starts with the server version)', () => {
    expect(imageTag(compose, 'temporal-schema').split('-')[0]).toBe(pin.version);
    expect(imageTag(compose, 'temporal-namespace').split('-')[0]).toBe(pin.version);
  });

  it('names the oldest Go that builds it', () => {
    expect(pin.minimumGo).toMatch(/^1\.\d+/);
  });

  it('refuses a go.mod without the server requirement', () => {
    expect(() => readServerPin('module x\n\ngo 1.25.0\n')).toThrow(ServerBuildError);
    expect(readServerPin('module x\n\ngo 1.25.0\n\nrequire (\n\tgo.temporal.io/server v1.2.3\n)\n')).toEqual({
      version: '1.2.3',
      minimumGo: '1.25.0',
    });
  });
});

describe('goVersionAtLeast', () => {
  it.each([
    ['1.26.8', '1.25.0', true],
    ['1.25', '1.25.0', true],
    ['1.24.9', '1.25.0', false],
    ['1.3', '1.25', false],
  ])('%s ≥ %s is %s', (actual, minimum, expected) => {
    expect(goVersionAtLeast(actual, minimum)).toBe(expected);
  });
});

describe('compose interpolation', () => {
  it('reads defaults, required values and literal dollars', () => {
    const vars = { SET: 'v', EMPTY: '' };
    expect(interpolate('${SET:-d} ${EMPTY:-d} ${EMPTY-d} ${UNSET-d} $$x $${y}', vars)).toBe('v d  d $x ${y}');
    expect(interpolate('${SET:?need it}', vars)).toBe('v');
    expect(() => interpolate('${UNSET:?set UNSET in .env}', vars)).toThrow(
      new ComposeError('UNSET: set UNSET in .env')
    );
  });
});
