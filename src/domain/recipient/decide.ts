import { DomainError, type Decider } from '../shared/decider.js';
import type { RecipientCommand, RequestNotification } from './commands.js';
import { quietHoursDeferral } from './deferral.js';
import { collectIntoDigest, decideDigestCommand } from './digest-decide.js';
import type { ChannelSuppression, Delivery, NotificationDecision, Preferences, RecipientEvent } from './events.js';
import { localSendInstant } from './local-time.js';
import { isCritical, rateLimitFor, timezoneFor, type RecipientPolicy } from './policy.js';
import { quietHoursProblems } from './quiet-hours.js';
import { createRecipientEvolve, initialRecipientState, type IdempotencyRecord, type RecipientState } from './state.js';
import { optOut, queueOf, targetsFor } from './targets.js';
import { ALL_CHANNELS_ON, CONTACT_CHANNELS, MAX_DEVICES_PER_USER, isE164, isEmail, webPushDeviceProblems, type Channel, type WebPushKeys } from './values.js';

export type RecipientDecider = Decider<RecipientCommand, RecipientState, RecipientEvent>;

export function createRecipientDecider(policy: RecipientPolicy): RecipientDecider {
  return {
    decide: (command, state) => decide(policy, command, state),
    evolve: createRecipientEvolve(policy),
    initialState: initialRecipientState,
  };
}

/** The original answer for a repeated idempotency key, while it is inside the window. */
export function findIdempotentReplay(
  policy: RecipientPolicy,
  state: RecipientState,
  key: string | null,
  now: number,
): IdempotencyRecord | undefined {
  if (key === null) return undefined;
  return state.idempotency.find((r) => r.key === key && now - r.at < policy.idempotencyWindowMs);
}

const iso = (ms: number): string => new Date(ms).toISOString();

function decide(policy: RecipientPolicy, command: RecipientCommand, state: RecipientState): RecipientEvent[] {
  switch (command.type) {
    case 'UpdateProfile': {
      const { email, phone } = command.profile;
      if (email !== null && !isEmail(email)) throw new DomainError('invalid_argument', 'email is not a valid address', 'email');
      if (phone !== null && !isE164(phone)) throw new DomainError('invalid_argument', 'phone must be in E.164 format', 'phone');
      const same =
        state.userId !== null &&
        (Object.keys(command.profile) as (keyof typeof command.profile)[]).every((k) => state.profile[k] === command.profile[k]);
      if (same) return [];
      return [{ type: 'RecipientProfileUpdated', data: { userId: command.userId, ...command.profile, updatedAt: iso(command.now) } }];
    }
    case 'RegisterDevice': {
      const problem = command.provider === 'webpush' ? webPushDeviceProblems({ platform: command.platform, endpoint: command.token, keys: command.keys })[0] : undefined;
      if (problem) throw new DomainError('invalid_argument', problem.message, problem.field);
      if (command.provider !== 'webpush' && command.keys !== null) throw new DomainError('invalid_argument', 'only a webpush device has subscription keys', 'subscription');
      const existing = state.devices.find((d) => d.token === command.token);
      if (existing && existing.platform === command.platform && existing.provider === command.provider && sameKeys(existing.keys, command.keys)) return [];
      if (state.invalidatedTokens.includes(command.token)) {
        throw new DomainError('token_invalidated', 'this token was reported invalid by the provider; register the new token', 'token');
      }
      if (!existing && state.devices.length >= MAX_DEVICES_PER_USER) {
        throw new DomainError('too_many_devices', `a user may have at most ${MAX_DEVICES_PER_USER} devices`);
      }
      return [
        {
          type: 'DeviceRegistered',
          data: {
            userId: command.userId,
            deviceId: existing?.deviceId ?? command.deviceId,
            platform: command.platform,
            provider: command.provider,
            token: command.token,
            ...(command.keys ? { keys: command.keys } : {}),
            registeredAt: iso(command.now),
          },
        },
      ];
    }
    case 'RemoveDevice': {
      if (!state.devices.some((d) => d.deviceId === command.deviceId)) {
        if (command.reason === 'token_moved') return [];
        throw new DomainError('not_found', 'no such device for this user', 'deviceId');
      }
      return [
        { type: 'DeviceRemoved', data: { userId: command.userId, deviceId: command.deviceId, reason: command.reason, removedAt: iso(command.now) } },
      ];
    }
    case 'InvalidateDeviceToken': {
      const device = state.devices.find((d) => d.token === command.token);
      if (!device) return [];
      return [
        {
          type: 'DeviceTokenInvalidated',
          data: { userId: command.userId, deviceId: device.deviceId, token: command.token, reason: command.reason, invalidatedAt: iso(command.now) },
        },
      ];
    }
    case 'UpdatePreferences': {
      const problem = command.preferences.quietHours === null ? undefined : quietHoursProblems(command.preferences.quietHours)[0];
      if (problem) throw new DomainError('invalid_argument', problem.message, problem.field);
      if (state.userId !== null && JSON.stringify(state.preferences) === JSON.stringify(command.preferences)) return [];
      return [{ type: 'PreferencesUpdated', data: { userId: command.userId, ...command.preferences, updatedAt: iso(command.now) } }];
    }
    case 'SetCategoryChannel': {
      if (state.userId === null) throw new DomainError('not_found', 'unknown user', 'userId');
      const preferences = withCategoryChannel(state.preferences, command.category, command.channel, command.enabled);
      if (JSON.stringify(state.preferences) === JSON.stringify(preferences)) return [];
      return [{ type: 'PreferencesUpdated', data: { userId: command.userId, ...preferences, updatedAt: iso(command.now) } }];
    }
    case 'SetChannel': {
      if (state.userId === null) throw new DomainError('not_found', 'unknown user', 'userId');
      if (state.preferences.channels[command.channel] === command.enabled) return [];
      const preferences = { ...state.preferences, channels: { ...state.preferences.channels, [command.channel]: command.enabled } };
      return [{ type: 'PreferencesUpdated', data: { userId: command.userId, ...preferences, updatedAt: iso(command.now) } }];
    }
    case 'RequestNotification':
      return decideNotification(policy, command, state);
    case 'FlushDigest':
    case 'RemoveDigestItem':
      if (state.userId === null) throw new DomainError('not_found', 'unknown user', 'userId');
      return decideDigestCommand(policy, command, state);
    default: {
      const never: never = command;
      return never;
    }
  }
}

/**
 * The preferences with one category's channel switched. Opting back in also enables the
 * category, and a category without an entry gets one with every other channel on.
 */
function withCategoryChannel(preferences: Preferences, category: string, channel: Channel, enabled: boolean): Preferences {
  const current = preferences.categories.find((c) => c.category === category);
  if (!current && enabled) return preferences;
  const base = current ?? { category, enabled: true, channels: { ...ALL_CHANNELS_ON } };
  const next = { ...base, enabled: enabled ? true : base.enabled, channels: { ...base.channels, [channel]: enabled } };
  const categories = current ? preferences.categories.map((c) => (c === current ? next : c)) : [...preferences.categories, next];
  return { ...preferences, categories };
}

/** A browser that subscribes again may keep its endpoint and get new keys: that is a new registration. */
const sameKeys = (a: WebPushKeys | undefined, b: WebPushKeys | null): boolean => a?.p256dh === b?.p256dh && a?.auth === b?.auth;

function duplicate(policy: RecipientPolicy, state: RecipientState, cmd: RequestNotification, channel: Channel): ChannelSuppression | undefined {
  if (policy.contentDedupWindowMs <= 0 || isCritical(policy, cmd.category)) return undefined;
  const original = state.recentContent.find(
    (r) => r.hash === cmd.contentHash && r.channels.includes(channel) && cmd.now - r.at < policy.contentDedupWindowMs,
  );
  if (!original) return undefined;
  return {
    channel,
    reason: 'duplicate',
    detail: { duplicateOf: original.notificationId, windowSeconds: Math.round(policy.contentDedupWindowMs / 1000) },
  };
}

function rateLimited(policy: RecipientPolicy, state: RecipientState, cmd: RequestNotification, channel: Channel): ChannelSuppression | undefined {
  if (isCritical(policy, cmd.category)) return undefined;
  const { limit, categoryScoped } = rateLimitFor(policy, cmd.category, channel);
  const count = state.sends.filter(
    (s) =>
      s.channel === channel &&
      cmd.now - s.at < limit.windowMs &&
      (categoryScoped ? s.category === cmd.category : !isCritical(policy, s.category)),
  ).length;
  if (count < limit.limit) return undefined;
  return {
    channel,
    reason: 'rate_limited',
    detail: { limit: limit.limit, windowSeconds: Math.round(limit.windowMs / 1000), count, ...(categoryScoped ? { category: cmd.category } : {}) },
  };
}

function decideNotification(policy: RecipientPolicy, cmd: RequestNotification, state: RecipientState): RecipientEvent[] {
  if (state.userId === null) throw new DomainError('not_found', 'unknown user: register the user first', 'userId');
  if (findIdempotentReplay(policy, state, cmd.idempotencyKey, cmd.now)) return [];

  // Without an explicit list, every channel the user gave contact data for is a candidate.
  const explicit = cmd.channels !== null;
  const candidates = explicit ? [...new Set(cmd.channels)] : CONTACT_CHANNELS.filter((c) => targetsFor(state, c).length > 0);
  const channels = candidates.length > 0 ? candidates : [...CONTACT_CHANNELS];

  // A local-time send is resolved in the recipient's zone; one not in the future is sent at once.
  const timezone = timezoneFor(policy, state.profile.timezone, cmd.category);
  const localAt = cmd.localSendAt ? localSendInstant(cmd.localSendAt, timezone, cmd.now) : null;
  const sendAt = localAt === null ? cmd.sendAt : localAt > cmd.now ? localAt : null;

  // A digest category collects its digest channels, unless the sender chose the send's time.
  const digest = sendAt === null && !cmd.localSendAt ? policy.categories[cmd.category]?.digest : undefined;
  const digested: Channel[] = [];
  const suppressed: ChannelSuppression[] = [];
  const deliveries: Delivery[] = [];
  for (const channel of channels) {
    const targets = targetsFor(state, channel);
    const unreachable = optOut(state, cmd.category, channel) ?? (targets.length === 0 ? { channel, reason: 'no_target' as const, detail: {} } : undefined);
    // Collected items are neither duplicates nor rate-limited: the digest is the one send.
    if (!unreachable && digest?.channels.includes(channel)) {
      digested.push(channel);
      continue;
    }
    const suppression = unreachable ?? duplicate(policy, state, cmd, channel) ?? rateLimited(policy, state, cmd, channel);
    if (suppression) {
      suppressed.push(suppression);
      continue;
    }
    // Quiet hours hold a delivery back, never drop it: it is due when the window ends.
    const deferred = quietHoursDeferral(policy, state, cmd.category, channel, sendAt ?? cmd.now);
    for (const target of targets) {
      deliveries.push({
        deliveryId: `${cmd.notificationId}.${deliveries.length + 1}`,
        channel,
        queue: queueOf(target),
        target,
        ...(deferred ? { deferred } : {}),
      });
    }
  }

  const decision: NotificationDecision = {
    notificationId: cmd.notificationId,
    userId: cmd.userId,
    category: cmd.category,
    requestedChannels: explicit ? channels : null,
    content: cmd.content,
    contentHash: cmd.contentHash,
    priority: cmd.priority,
    sendAt: sendAt === null ? null : iso(sendAt),
    ...(cmd.localSendAt ? { localSendAt: { ...cmd.localSendAt, timezone } } : {}),
    idempotencyKey: cmd.idempotencyKey,
    ...(cmd.broadcastId ? { broadcastId: cmd.broadcastId } : {}),
    critical: isCritical(policy, cmd.category),
    suppressed,
    requestedAt: iso(cmd.now),
  };
  if (digested.length === 0 || !digest) {
    return deliveries.length > 0
      ? [{ type: 'NotificationRequested', data: { ...decision, deliveries } }]
      : [{ type: 'NotificationSuppressed', data: decision }];
  }

  return collectIntoDigest(policy, state, digest, decision, digested, deliveries, cmd.now);
}
