/**
 * Sums V8 CPU profiles (.cpuprofile, from --cpu-prof or HERALD_BENCH_CPU_PROF) by self time:
 *   node dist/bench/cpu-profile.js <file or dir>... [--top=30]
 * prints the top functions and the top packages (node_modules package, Herald's own source
 * folder, or Node's internals; then again with Node's internals charged to the package that
 * called them), each with its share of the sampled time, one table per profile.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

interface ProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives: an npm package, a folder of Herald's source, Node itself, or V8's own entries. */
export function packageOf(url: string, functionName: string): string {
  if (!url) return `(${functionName || 'anonymous'})`;
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [scope, name] = url.slice(modules + '/node_modules/'.length).split('/');
    return scope!.startsWith('@') ? `${scope}/${name}` : scope!;
  }
  if (url.startsWith('node:')) return 'node';
  const src = url.match(/\/dist\/(src|bench|test)\/(.+)$/);
  if (src) return `herald ${src[1]}/${src[2]!.split('/').slice(0, -1).join('/') || '.'}`;
  return url;
}

/** Node's own code and V8's entries, whose time is also charged to the package that called them. */
const isRuntime = (pkg: string) => pkg === 'node' || pkg.startsWith('(');

/** Self time in ms by function and by package, and by package with Node's internals charged to their caller. */
export function selfTimes(profile: Profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const callerPackage = (id: number): string => {
    const own = packageOf(byId.get(id)!.callFrame.url, byId.get(id)!.callFrame.functionName);
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const { url, functionName } = byId.get(at)!.callFrame;
      const pkg = packageOf(url, functionName);
      if (!isRuntime(pkg)) return pkg;
    }
    return own;
  };
  const withRuntime = new Map<string, number>();
  const selfMs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  let total = 0;
  for (const [id, ms] of selfMs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const pkg = packageOf(url, functionName);
    const fn = `${functionName || '(anonymous)'} ${url ? `${basename(url)}:${lineNumber + 1}` : ''} [${pkg}]`;
    functions.set(fn, (functions.get(fn) ?? 0) + ms);
    packages.set(pkg, (packages.get(pkg) ?? 0) + ms);
    const caller = pkg === '((idle))' ? pkg : callerPackage(id);
    withRuntime.set(caller, (withRuntime.get(caller) ?? 0) + ms);
    total += ms;
  }
  return { total, functions, packages, withRuntime };
}

function files(paths: string[]): string[] {
  return paths.flatMap((p) => (statSync(p).isDirectory() ? readdirSync(p).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(p, f)) : [p]));
}

function table(title: string, entries: Map<string, number>, total: number, top: number): string {
  const rows = [...entries].sort((a, b) => b[1] - a[1]).slice(0, top);
  return `${title}\n${rows.map(([k, ms]) => `${((100 * ms) / total).toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(7)} ms  ${k}`).join('\n')}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const top = Number(process.argv.find((a) => a.startsWith('--top='))?.split('=')[1] ?? 30);
  for (const file of files(process.argv.slice(2).filter((a) => !a.startsWith('--')))) {
    const { total, functions, packages, withRuntime } = selfTimes(JSON.parse(readFileSync(file, 'utf8')) as Profile);
    process.stdout.write(`== ${basename(file)}: ${total.toFixed(0)} ms sampled\n`);
    process.stdout.write(table('by package (self time)', packages, total, top));
    process.stdout.write(table('by package, Node internals charged to their caller', withRuntime, total, top));
    process.stdout.write(table('by function (self time)', functions, total, top));
    process.stdout.write('\n');
  }
}
