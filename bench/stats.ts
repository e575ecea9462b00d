import { procStat } from '../test/support/process.js';

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export const round = (n: number, digits = 0): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** CPU time (user + system) of a process in milliseconds, from /proc. */
export function cpuMsOf(pid: number): number {
  const fields = procStat(pid); // utime and stime, proc(5) fields 14 and 15
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

export function rssMbOf(pid: number): number {
  const { readFileSync } = process.getBuiltinModule('node:fs');
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return round(Number(line.split(/\s+/)[1]) / 1024, 1);
}
