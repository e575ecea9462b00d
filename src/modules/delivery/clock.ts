import type { Provider } from '@nestjs/common';

/** Milliseconds since the epoch. */
export type Clock = () => number;
/** A number with 0 <= n < 1. */
export type Random = () => number;

/** Injected where time and jitter decide an outcome, so a test can fix them. */
export const CLOCK = Symbol('Clock');
export const RANDOM = Symbol('Random');

export const clockProviders: Provider[] = [
  { provide: CLOCK, useValue: Date.now },
  { provide: RANDOM, useValue: Math.random },
];
