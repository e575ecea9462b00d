import type { Redis } from 'ioredis';
import type { StartRate } from './queue.port.js';
import { heldBack, startRateShape } from './start-rate.js';

/**
 * `StartBucket` kept in Redis, so every process's workers of every queue naming the rate spend
 * one bucket: a token is taken, or the milliseconds until one is due are answered. Redis's own
 * clock refills it (the processes' clocks may differ); a key left alone until the bucket would be
 * full again expires, and a missing key is a full bucket.
 *   KEYS[1] the bucket; ARGV per second, capacity, tokens to leave
 */
const TAKE = `
local rate, capacity, keep = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
local saved = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = capacity
if saved[1] then tokens = math.min(capacity, tonumber(saved[1]) + math.max(0, now - tonumber(saved[2])) * rate / 1000) end
if tokens < keep + 1 then return math.max(1, math.ceil((keep + 1 - tokens) * 1000 / rate)) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - 1), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity * 1000 / rate) + 1000)
return 0
`;

type WithTake = Redis & { heraldTakeStart(key: string, perSecond: number, capacity: number, keep: number): Promise<number> };

/** Takes a token for one job start: 0 when taken, else the milliseconds to wait before asking again. */
export function redisStartRate(redis: Redis, prefix: string): (rate: StartRate) => Promise<number> {
  redis.defineCommand('heraldTakeStart', { numberOfKeys: 1, lua: TAKE });
  const client = redis as WithTake;
  return (rate) => client.heraldTakeStart(`${prefix}:start-rate:${rate.name}`, rate.perSecond, startRateShape(rate.perSecond).capacity, heldBack(rate));
}
