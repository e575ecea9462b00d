/**
 * A decider in the functional event-sourcing style: `decide` turns a command and the
 * current state into the events that happened; `evolve` folds one event into the state.
 * Both are pure, so every rule can be specified as Given events / When command / Then events.
 */
export interface Decider<Command, State, Event> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

export type DomainErrorCode =
  | 'invalid_argument'
  | 'not_found'
  | 'conflict'
  | 'token_invalidated'
  | 'too_many_devices';

/** A command the domain refuses; the message is safe to show to the caller. */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export function fold<State, Event>(
  decider: Pick<Decider<unknown, State, Event>, 'evolve'>,
  state: State,
  events: readonly Event[],
): State {
  return events.reduce((s, e) => decider.evolve(s, e), state);
}
