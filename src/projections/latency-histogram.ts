/**
 * Latency histograms with fixed logarithmic buckets, so histograms of any groups merge by
 * adding counts bucket by bucket, and percentiles come from the merged counts.
 *
 * Bucket 0 holds 0-1 ms; bucket b (b >= 1) holds (1.1^(b-1), 1.1^b] ms. A percentile is
 * reported as its bucket's upper bound, so it is never below the true value and at most 10%
 * above it. The last bucket (227, about 30 days) also holds everything slower.
 */
export const LATENCY_BUCKET_BASE = 1.1;
export const LATENCY_MAX_BUCKET = 227;

export function latencyBucket(ms: number): number {
  if (!(ms > 1)) return 0;
  return Math.min(LATENCY_MAX_BUCKET, Math.ceil(Math.log(ms) / Math.log(LATENCY_BUCKET_BASE) - 1e-9));
}

export function bucketUpperBoundMs(bucket: number): number {
  return bucket <= 0 ? 1 : Math.round(LATENCY_BUCKET_BASE ** bucket);
}

/** Nearest-rank percentiles over merged bucket counts; null when there is no sample. */
export function percentiles(buckets: ReadonlyMap<number, number>, ps: readonly number[]): (number | null)[] {
  const sorted = [...buckets.entries()].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((sum, [, n]) => sum + n, 0);
  return ps.map((p) => {
    if (total === 0) return null;
    const rank = Math.max(1, Math.ceil(p * total));
    let seen = 0;
    for (const [bucket, n] of sorted) {
      seen += n;
      if (seen >= rank) return bucketUpperBoundMs(bucket);
    }
    return bucketUpperBoundMs(sorted[sorted.length - 1]![0]);
  });
}
