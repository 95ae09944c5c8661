import { DEMO_PORTS, DemoSettingsError, loadDemoSettings } from '../../../src/demo/settings';

const allZero = Object.fromEntries(Object.values(DEMO_PORTS).map((spec) => [spec.env, '0']));

describe('loadDemoSettings', () => {
  it('uses the default ports when none is set', () => {
    const settings = loadDemoSettings({});
    expect(settings.ports).toEqual({
      temporal: 7233,
      ui: 8233,
      codec: 8888,
      sandbox: 4010,
      webhooks: 3000,
      metrics: 9464,
    });
  });

  it('keeps 0 (any free port) for the claim to resolve; several 0s are not a clash', () => {
    expect(Object.values(loadDemoSettings(allZero).ports)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('refuses one port given to two pieces, naming both and their variables', () => {
    expect(() =>
      loadDemoSettings({ ...allZero, PORTFLOW_DEMO_CODEC_PORT: '9000', PORTFLOW_DEMO_SANDBOX_PORT: '9000' })
    ).toThrow(
      new DemoSettingsError(
        'Invalid demo settings:\n  port 9000 is given to codec server (decrypts payloads for the UI) (PORTFLOW_DEMO_CODEC_PORT) and Twilio sandbox (Porting API emulator) (PORTFLOW_DEMO_SANDBOX_PORT); each needs its own port'
      )
    );
  });
});
