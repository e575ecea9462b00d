import { describe, it } from 'node:test';
import { deviceTokenDecider, type DeviceTokenEvent } from '../../src/domain/device-token/device-token.js';
import { deciderSpec } from '../support/decider-spec.js';

const spec = deciderSpec(deviceTokenDecider);
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const claimed = (userId: string, deviceId: string, previousUserId: string | null, previousDeviceId: string | null): DeviceTokenEvent => ({
  type: 'DeviceTokenClaimed',
  data: { tokenKey: 'k', userId, deviceId, previousUserId, previousDeviceId, claimedAt: new Date(T0).toISOString() },
});

describe('device token decider', () => {
  it('a first claim has no previous holder', () =>
    spec.given([]).when({ type: 'ClaimDeviceToken', tokenKey: 'k', userId: 'u1', deviceId: 'd1', now: T0 }).then([claimed('u1', 'd1', null, null)]));

  it('a claim by the holder is a no-op', () =>
    spec.given([claimed('u1', 'd1', null, null)]).when({ type: 'ClaimDeviceToken', tokenKey: 'k', userId: 'u1', deviceId: 'd1', now: T0 }).then([]));

  it('a claim by another user moves the token and names the previous holder', () =>
    spec.given([claimed('u1', 'd1', null, null)]).when({ type: 'ClaimDeviceToken', tokenKey: 'k', userId: 'u2', deviceId: 'd7', now: T0 }).then([claimed('u2', 'd7', 'u1', 'd1')]));
});
