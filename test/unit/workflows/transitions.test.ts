/**
 * The documented-transitions table (src/workflows/transitions.ts): which moves a webhook may make.
 */
import { PhoneNumberStatus, PortInRequestStatus } from '../../../src/twilio/porting-event';
import { terminalNumberStatuses, terminalRequestStatuses } from '../../../src/workflows/state';
import type { NumberStatus } from '../../../src/workflows/state';
import {
  NUMBER_TRANSITIONS,
  REQUEST_TRANSITIONS,
  moveKind,
  numberMoveKind,
  requestMoveKind,
} from '../../../src/workflows/transitions';
import { numberStatuses, requestStatuses } from './fixtures';

const N = PhoneNumberStatus;
const R = PortInRequestStatus;

describe('the documented transitions', () => {
  describe('of a request', () => {
    it.each(Object.entries(REQUEST_TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => [from, to] as const)))(
      '%s → %s is a move forward',
      (from, to) => {
        expect(requestMoveKind(from as PortInRequestStatus, to)).toBe('forward');
      }
    );

    it('leads nowhere from a terminal status, and from every open status to a terminal one', () => {
      for (const status of requestStatuses) {
        const next = REQUEST_TRANSITIONS[status];
        if (terminalRequestStatuses.has(status)) {
          expect(next).toEqual([]);
        } else {
          expect(
            requestStatuses.filter((t) => terminalRequestStatuses.has(t) && requestMoveKind(status, t) === 'forward')
          ).not.toHaveLength(0);
        }
      }
    });

    it.each([
      [R.IN_REVIEW, R.COMPLETED, 'forward'],
      [R.WAITING_FOR_SIGNATURE, R.ACTION_REQUIRED, 'forward'],
      [R.ACTION_REQUIRED, R.IN_PROGRESS, 'forward'],
      [R.IN_PROGRESS, R.ACTION_REQUIRED, 'forward'],
      [R.IN_PROGRESS, R.IN_PROGRESS, 'same'],
      [R.IN_PROGRESS, R.WAITING_FOR_SIGNATURE, 'backwards'],
      [R.CANCELING, R.IN_PROGRESS, 'backwards'],
      [R.COMPLETED, R.IN_PROGRESS, 'out-of-terminal'],
      [R.CANCELED, R.COMPLETED, 'out-of-terminal'],
      [R.EXPIRED, R.IN_PROGRESS, 'out-of-terminal'],
      [R.CANCELING, R.COMPLETED, 'undocumented'],
      [R.IN_PROGRESS, R.EXPIRED, 'undocumented'],
    ] as const)('%s → %s is %s', (from, to, kind) => {
      expect(requestMoveKind(from, to)).toBe(kind);
    });
  });

  describe('of a phone number', () => {
    it.each(Object.entries(NUMBER_TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => [from, to] as const)))(
      '%s → %s is a move forward',
      (from, to) => {
        expect(numberMoveKind(from as NumberStatus, to)).toBe('forward');
      }
    );

    it('leads nowhere from a terminal status, and from every open status to a terminal one', () => {
      for (const status of numberStatuses) {
        const next = NUMBER_TRANSITIONS[status];
        if (terminalNumberStatuses.has(status)) {
          expect(next).toEqual([]);
        } else {
          expect(
            numberStatuses.filter((t) => terminalNumberStatuses.has(t) && numberMoveKind(status, t) === 'forward')
          ).not.toHaveLength(0);
        }
      }
    });

    it("takes no Twilio status into portflow's own statuses (checking, not portable)", () => {
      for (const status of numberStatuses) {
        expect(numberMoveKind(status, 'checking')).not.toBe('forward');
        expect(numberMoveKind(status, 'not_portable')).not.toBe('forward');
      }
    });

    it.each([
      // A lost webhook skips a status; Twilio sends no event for Canceling.
      [N.PORT_SUBMITTED, N.COMPLETED, 'forward'],
      [N.IN_REVIEW, N.COMPLETED, 'forward'],
      [N.PORT_PENDING, N.CANCELED, 'forward'],
      [N.PORT_PENDING, N.PORT_REJECTED, 'forward'],
      [N.PORT_PENDING, N.PORT_PENDING, 'same'],
      [N.PORT_PENDING, N.PORT_SUBMITTED, 'backwards'],
      [N.PORT_REJECTED, N.PORT_PENDING, 'backwards'],
      // Where a cancellation that fell through goes is not documented: the poll decides.
      [N.CANCELING, N.PORT_PENDING, 'backwards'],
      [N.COMPLETED, N.PORT_PENDING, 'out-of-terminal'],
      [N.CANCELED, N.COMPLETED, 'out-of-terminal'],
      [N.PORT_REJECTED, N.COMPLETED, 'undocumented'],
    ] as const)('%s → %s is %s', (from, to, kind) => {
      expect(numberMoveKind(from, to)).toBe(kind);
    });
  });

  it('classifies moves in any table, cycles included', () => {
    const table = { a: ['b'], b: ['a', 'c'], c: [], d: ['c'] } as const;
    expect(moveKind<string>(table, 'a', 'c')).toBe('forward');
    expect(moveKind<string>(table, 'b', 'a')).toBe('forward');
    expect(moveKind<string>(table, 'd', 'a')).toBe('undocumented');
    expect(moveKind<string>(table, 'c', 'a')).toBe('out-of-terminal');
  });
});
