/** One Ctrl-C that arrives several times (terminal + npm + tsx) is one stop; a later press forces. */
import { handleInterrupts, SAME_INTERRUPT_MS } from '../../../src/interrupts';

describe('handleInterrupts', () => {
  let clock = 0;
  const now = () => clock;
  let dispose: (() => void) | undefined;
  const calls: string[] = [];
  beforeEach(() => {
    clock = 1_000_000;
    calls.length = 0;
    dispose = handleInterrupts(
      ['SIGINT', 'SIGTERM'],
      { onFirst: (s) => calls.push(`first ${s}`), onForce: (s) => calls.push(`force ${s}`) },
      now
    );
  });
  afterEach(() => dispose?.());

  it('starts one stop for a Ctrl-C relayed twice more within the window', () => {
    process.emit('SIGINT');
    clock += 5;
    process.emit('SIGINT');
    clock += SAME_INTERRUPT_MS - 10;
    process.emit('SIGTERM');
    expect(calls).toEqual(['first SIGINT']);
  });

  it('forces on a press after the window', () => {
    process.emit('SIGTERM');
    clock += SAME_INTERRUPT_MS;
    process.emit('SIGINT');
    expect(calls).toEqual(['first SIGTERM', 'force SIGINT']);
  });

  it('leaves no listener behind once disposed', () => {
    const before = process.listenerCount('SIGINT');
    dispose!();
    dispose = undefined;
    expect(process.listenerCount('SIGINT')).toBe(before - 1);
  });
});
