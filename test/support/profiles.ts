/** The profiles every delivery test runs on: embedded (SQLite queue) and Redis (BullMQ). */
export function queueProfiles(): { name: string; env: () => Record<string, string> }[] {
  const profiles = [{ name: 'embedded', env: () => ({}) as Record<string, string> }];
  if (process.env.REDIS_URL) {
    profiles.push({ name: 'redis', env: () => ({ QUEUE: 'bullmq', REDIS_URL: process.env.REDIS_URL!, REDIS_PREFIX: `t-${Math.random().toString(36).slice(2)}` }) });
  } else {
    console.log('# SKIPPED: Redis profile (REDIS_URL is not set; npm test starts Redis)');
  }
  return profiles;
}
