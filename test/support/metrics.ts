/**
 * A metric from a Prometheus text exposition: the sum of its samples whose labels include all
 * of `labels`, so `herald_circuit_state{provider="mailgun"}` is that one sample and
 * `herald_queue_depth{queue="email"}` adds up its states; undefined when none matches.
 */
export function sample(exposition: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let sum: number | undefined;
  for (const line of exposition.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => present[k] === v)) sum = (sum ?? 0) + Number(match[3]);
  }
  return sum;
}

/** The value below which the given share of the sorted values falls (nearest rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
