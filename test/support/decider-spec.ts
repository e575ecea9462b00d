import assert from 'node:assert/strict';
import type { Decider } from '../../src/domain/shared/decider.js';

/**
 * Given events / When command / Then events (or an error). `then` compares the whole event
 * list; `thenThrows` fails if the command succeeds, so it cannot pass by accident.
 */
export function deciderSpec<C, S, E>(decider: Decider<C, S, E>) {
  return {
    given(events: E[]) {
      const state = events.reduce((s, e) => decider.evolve(s, e), decider.initialState());
      return {
        when(command: C) {
          const run = () => decider.decide(command, state);
          return {
            then(expected: E[]) {
              assert.deepEqual(run(), expected);
            },
            thenMatches(check: (events: E[]) => void) {
              check(run());
            },
            thenThrows(check: (error: unknown) => boolean) {
              assert.throws(run, check);
            },
          };
        },
      };
    },
  };
}
