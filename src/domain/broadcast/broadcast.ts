import type { NotificationContent } from '../recipient/events.js';
import type { LocalSendAt } from '../recipient/local-time.js';
import type { Channel, Priority } from '../recipient/values.js';
import { DomainError, type Decider } from '../shared/decider.js';
import { keysOf } from '../shared/keys-of.js';

/**
 * One broadcast, one stream (`broadcast-{id}`): what was asked, then the fan-out's progress,
 * page by page. The fan-out decides each member through the member's own recipient actor (with
 * the idempotency key `broadcast:{id}:{userId}`) and then records the page here; a fan-out that
 * dies between the two repeats at most that page, and the keys make the repeat decide nothing.
 */
export type BroadcastAudience = { kind: 'topic'; topicKey: string } | { kind: 'users'; userIds: string[] } | { kind: 'all' };

/** Members whose request was decided in a page, by outcome. */
export interface PageOutcomes {
  /** Members decided (accepted + suppressed + unknown). */
  decided: number;
  accepted: number;
  /** Suppressed members by the reason of each channel held back (a member counts once per reason). */
  suppressed: Record<string, number>;
  /** Members with no profile: nothing to decide for them. */
  unknownUser: number;
}

export interface BroadcastRequest {
  broadcastId: string;
  audience: BroadcastAudience;
  category: string;
  channels: Channel[] | null;
  content: NotificationContent;
  contentHash: string;
  priority: Priority;
  /** An instant for every member, or null: at once (unless localSendAt). */
  sendAt: string | null;
  /** A wall-clock time read in each member's own zone. */
  localSendAt?: LocalSendAt;
  idempotencyKey: string | null;
  requestedAt: string;
}

export type BroadcastEvent =
  | { type: 'BroadcastRequested'; data: BroadcastRequest }
  | { type: 'BroadcastStarted'; data: { broadcastId: string; audienceSize: number; startedAt: string } }
  | { type: 'BroadcastPageDecided'; data: PageOutcomes & { broadcastId: string; page: number; cursor: string; decidedAt: string } }
  | { type: 'BroadcastCanceled'; data: { broadcastId: string; canceledAt: string } }
  | { type: 'BroadcastFinished'; data: { broadcastId: string; outcome: 'completed' | 'canceled'; finishedAt: string } };

export type BroadcastCommand =
  | ({ type: 'RequestBroadcast'; now: number } & Omit<BroadcastRequest, 'requestedAt'>)
  | { type: 'StartFanOut'; broadcastId: string; audienceSize: number; now: number }
  | ({ type: 'RecordPage'; broadcastId: string; page: number; cursor: string; now: number } & PageOutcomes)
  | { type: 'CancelBroadcast'; broadcastId: string; now: number }
  | { type: 'FinishBroadcast'; broadcastId: string; now: number };

export type BroadcastStatus = 'requested' | 'fanning_out' | 'canceling' | 'completed' | 'canceled';

export interface BroadcastState {
  request: BroadcastRequest | null;
  status: BroadcastStatus | null;
  audienceSize: number | null;
  /** Pages recorded so far: the next page is number `pages`. */
  pages: number;
  /** Where the next page starts (after this member), '' before the first. */
  cursor: string;
  totals: PageOutcomes;
}

/** The most user ids one request names (a broadcast's list, or a topic (un)subscribe call). */
export const MAX_USER_IDS_PER_CALL = 10_000;

export const broadcastStream = (broadcastId: string): string => `broadcast-${broadcastId}`;

export const noOutcomes = (): PageOutcomes => ({ decided: 0, accepted: 0, suppressed: {}, unknownUser: 0 });

export function addOutcomes(a: PageOutcomes, b: PageOutcomes): PageOutcomes {
  const suppressed = { ...a.suppressed };
  for (const [reason, n] of Object.entries(b.suppressed)) suppressed[reason] = (suppressed[reason] ?? 0) + n;
  return { decided: a.decided + b.decided, accepted: a.accepted + b.accepted, suppressed, unknownUser: a.unknownUser + b.unknownUser };
}

const iso = (ms: number): string => new Date(ms).toISOString();
const isOpen = (status: BroadcastStatus | null): boolean => status === 'requested' || status === 'fanning_out';

function known(state: BroadcastState): BroadcastRequest {
  if (state.request === null) throw new DomainError('not_found', 'no such broadcast', 'broadcastId');
  return state.request;
}

export const broadcastDecider: Decider<BroadcastCommand, BroadcastState, BroadcastEvent> = {
  initialState: () => ({ request: null, status: null, audienceSize: null, pages: 0, cursor: '', totals: noOutcomes() }),
  decide(command, state) {
    switch (command.type) {
      case 'RequestBroadcast': {
        // The id comes from the idempotency key: asking again is answered with the first request.
        if (state.request !== null) return [];
        const { type: _type, now, ...request } = command;
        if (request.audience.kind === 'users' && request.audience.userIds.length === 0) throw new DomainError('invalid_argument', 'the audience names no user', 'audience.userIds');
        if (request.audience.kind === 'users' && request.audience.userIds.length > MAX_USER_IDS_PER_CALL) {
          throw new DomainError('invalid_argument', `at most ${MAX_USER_IDS_PER_CALL} user ids`, 'audience.userIds');
        }
        return [{ type: 'BroadcastRequested', data: { ...request, requestedAt: iso(now) } }];
      }
      case 'StartFanOut':
        known(state);
        if (state.status !== 'requested') return [];
        return [{ type: 'BroadcastStarted', data: { broadcastId: command.broadcastId, audienceSize: command.audienceSize, startedAt: iso(command.now) } }];
      case 'RecordPage': {
        known(state);
        // A page recorded already (by a fan-out that died after recording it) records nothing. The
        // page being decided when a cancel came is still recorded: its members were decided, and
        // progress counts them; the fan-out starts no page after it.
        const paging = state.status === 'fanning_out' || (state.status === 'canceling' && state.audienceSize !== null);
        if (!paging || command.page !== state.pages) return [];
        const { decided, accepted, suppressed, unknownUser } = command;
        return [{ type: 'BroadcastPageDecided', data: { broadcastId: command.broadcastId, page: command.page, cursor: command.cursor, decided, accepted, suppressed, unknownUser, decidedAt: iso(command.now) } }];
      }
      case 'CancelBroadcast':
        known(state);
        // After the fan-out has finished, a cancel still cancels the deliveries not yet sent (a scheduled broadcast's).
        if (state.status === 'canceling' || state.status === 'canceled') return [];
        return [{ type: 'BroadcastCanceled', data: { broadcastId: command.broadcastId, canceledAt: iso(command.now) } }];
      case 'FinishBroadcast':
        known(state);
        if (state.status === 'completed' || state.status === 'canceled' || state.status === 'requested') return [];
        return [{ type: 'BroadcastFinished', data: { broadcastId: command.broadcastId, outcome: state.status === 'canceling' ? 'canceled' : 'completed', finishedAt: iso(command.now) } }];
      default: {
        const never: never = command;
        return never;
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'BroadcastRequested':
        return { ...state, request: event.data, status: 'requested' };
      case 'BroadcastStarted':
        return { ...state, status: isOpen(state.status) ? 'fanning_out' : state.status, audienceSize: event.data.audienceSize };
      case 'BroadcastPageDecided': {
        const { decided, accepted, suppressed, unknownUser } = event.data;
        return { ...state, pages: event.data.page + 1, cursor: event.data.cursor, totals: addOutcomes(state.totals, { decided, accepted, suppressed, unknownUser }) };
      }
      case 'BroadcastCanceled':
        return { ...state, status: 'canceling' };
      case 'BroadcastFinished':
        return { ...state, status: event.data.outcome };
      default: {
        const never: never = event;
        return never;
      }
    }
  },
};

/** Whether the fan-out still has work on this broadcast: members to decide, or a cancel to carry out. */
export const needsFanOut = (state: BroadcastState): boolean => state.status === 'requested' || state.status === 'fanning_out' || state.status === 'canceling';

/** The idempotency key of one member's request: a repeated page decides nothing twice. */
export const memberIdempotencyKey = (broadcastId: string, userId: string): string => `broadcast:${broadcastId}:${userId}`;

export const BROADCAST_EVENT_TYPES = keysOf({
  BroadcastRequested: true,
  BroadcastStarted: true,
  BroadcastPageDecided: true,
  BroadcastCanceled: true,
  BroadcastFinished: true,
} satisfies Record<BroadcastEvent['type'], true>);
