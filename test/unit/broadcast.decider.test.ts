import { describe, it } from 'node:test';
import { broadcastDecider, MAX_USER_IDS_PER_CALL, type BroadcastCommand, type BroadcastEvent, type BroadcastRequest } from '../../src/domain/broadcast/broadcast.js';
import { DomainError } from '../../src/domain/shared/decider.js';
import { deciderSpec } from '../support/decider-spec.js';

const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const at = (ms: number) => new Date(ms).toISOString();
const spec = deciderSpec(broadcastDecider);
const id = 'b1';

const request: Omit<BroadcastRequest, 'requestedAt'> = {
  broadcastId: id,
  audience: { kind: 'topic', topicKey: 'news' },
  category: 'news',
  channels: ['email'],
  content: { kind: 'inline', subject: 'S', text: 'T' },
  contentHash: 'h',
  priority: 'normal',
  sendAt: null,
  idempotencyKey: 'k1',
};
const requestCmd = (overrides: Partial<BroadcastRequest> = {}): BroadcastCommand => ({ type: 'RequestBroadcast', ...request, ...overrides, now: T0 } as BroadcastCommand);
const requested: BroadcastEvent = { type: 'BroadcastRequested', data: { ...request, requestedAt: at(T0) } };
const started: BroadcastEvent = { type: 'BroadcastStarted', data: { broadcastId: id, audienceSize: 3, startedAt: at(T0 + 1) } };
const outcomes = { decided: 2, accepted: 1, suppressed: { opted_out: 1 }, unknownUser: 0 };
const page = (n: number, cursor: string): BroadcastEvent => ({ type: 'BroadcastPageDecided', data: { broadcastId: id, page: n, cursor, ...outcomes, decidedAt: at(T0 + 2) } });
const recordPage = (n: number, cursor: string): BroadcastCommand => ({ type: 'RecordPage', broadcastId: id, page: n, cursor, ...outcomes, now: T0 + 2 });
const canceled: BroadcastEvent = { type: 'BroadcastCanceled', data: { broadcastId: id, canceledAt: at(T0 + 3) } };

describe('broadcast decider', () => {
  it('records the request once: asking again (the same idempotency key, so the same id) records nothing', () => {
    spec.given([]).when(requestCmd()).then([requested]);
    spec.given([requested]).when(requestCmd()).then([]);
  });

  it('refuses an empty list of users, or more than the most one request may name, naming the field', () => {
    spec.given([]).when(requestCmd({ audience: { kind: 'users', userIds: [] } })).thenThrows((e) => e instanceof DomainError && e.field === 'audience.userIds');
    const many = Array.from({ length: MAX_USER_IDS_PER_CALL + 1 }, (_, i) => `u${i}`);
    spec.given([]).when(requestCmd({ audience: { kind: 'users', userIds: many } })).thenThrows((e) => e instanceof DomainError && e.field === 'audience.userIds');
  });

  it('the fan-out starts once, with the audience counted as of acceptance', () => {
    spec.given([requested]).when({ type: 'StartFanOut', broadcastId: id, audienceSize: 3, now: T0 + 1 }).then([started]);
    spec.given([requested, started]).when({ type: 'StartFanOut', broadcastId: id, audienceSize: 9, now: T0 + 5 }).then([]);
  });

  it('pages are recorded in order, each once: a page repeated by a fan-out that died after recording it records nothing', () => {
    spec.given([requested, started]).when(recordPage(0, 'bob')).then([page(0, 'bob')]);
    spec.given([requested, started, page(0, 'bob')]).when(recordPage(0, 'bob')).then([]);
    spec.given([requested, started, page(0, 'bob')]).when(recordPage(1, 'eve')).then([page(1, 'eve')]);
    spec.given([requested, started]).when(recordPage(1, 'eve')).then([]);
  });

  it('no page is recorded before the start, nor when canceled before the start', () => {
    spec.given([requested]).when(recordPage(0, 'bob')).then([]);
    spec.given([requested, canceled]).when(recordPage(0, 'bob')).then([]);
  });

  it('the page being decided when a cancel came is recorded, so progress counts its members; only as the next page, once', () => {
    spec.given([requested, started, canceled]).when(recordPage(0, 'bob')).then([page(0, 'bob')]);
    spec.given([requested, started, page(0, 'bob'), canceled]).when(recordPage(1, 'eve')).then([page(1, 'eve')]);
    spec.given([requested, started, page(0, 'bob'), canceled, page(1, 'eve')]).when(recordPage(1, 'eve')).then([]);
    spec.given([requested, started, canceled]).when(recordPage(1, 'eve')).then([]);
  });

  it('a cancel is recorded once, even after the fan-out finished (its unsent deliveries are still canceled)', () => {
    spec.given([requested, started]).when({ type: 'CancelBroadcast', broadcastId: id, now: T0 + 3 }).then([canceled]);
    spec.given([requested, started, canceled]).when({ type: 'CancelBroadcast', broadcastId: id, now: T0 + 4 }).then([]);
    const completed: BroadcastEvent = { type: 'BroadcastFinished', data: { broadcastId: id, outcome: 'completed', finishedAt: at(T0 + 2) } };
    spec.given([requested, started, completed]).when({ type: 'CancelBroadcast', broadcastId: id, now: T0 + 3 }).then([canceled]);
  });

  it('finishing says how it ended: completed, or canceled after a cancel; only once', () => {
    spec.given([requested, started, page(0, 'bob')]).when({ type: 'FinishBroadcast', broadcastId: id, now: T0 + 4 }).then([{ type: 'BroadcastFinished', data: { broadcastId: id, outcome: 'completed', finishedAt: at(T0 + 4) } }]);
    const finishedCanceled: BroadcastEvent = { type: 'BroadcastFinished', data: { broadcastId: id, outcome: 'canceled', finishedAt: at(T0 + 4) } };
    spec.given([requested, started, canceled]).when({ type: 'FinishBroadcast', broadcastId: id, now: T0 + 4 }).then([finishedCanceled]);
    spec.given([requested, started, canceled, finishedCanceled]).when({ type: 'FinishBroadcast', broadcastId: id, now: T0 + 5 }).then([]);
  });

  it('an unknown broadcast cannot be started, paged, canceled or finished', () => {
    for (const command of [{ type: 'StartFanOut', broadcastId: id, audienceSize: 1, now: T0 }, recordPage(0, 'a'), { type: 'CancelBroadcast', broadcastId: id, now: T0 }, { type: 'FinishBroadcast', broadcastId: id, now: T0 }] as BroadcastCommand[]) {
      spec.given([]).when(command).thenThrows((e) => e instanceof DomainError && e.code === 'not_found');
    }
  });

  it('the state adds up the pages’ outcomes and keeps the cursor', () =>
    spec.given([requested, started, page(0, 'bob'), page(1, 'eve')]).when(recordPage(2, 'zed')).thenMatches(() => {
      const state = [requested, started, page(0, 'bob'), page(1, 'eve')].reduce(broadcastDecider.evolve, broadcastDecider.initialState());
      if (state.totals.decided !== 4 || state.totals.suppressed.opted_out !== 2 || state.cursor !== 'eve' || state.pages !== 2) throw new Error(JSON.stringify(state));
    }));
});
