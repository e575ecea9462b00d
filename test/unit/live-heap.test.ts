import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { it } from 'node:test';

const watchUrl = new URL('../../src/modules/metrics/live-heap.js', import.meta.url).href;
const supportUrl = new URL('../support/temp.js', import.meta.url).href;

// In a child with --expose-gc, so the test decides when full collections happen.
const script = `
import { LiveHeapWatch } from ${JSON.stringify(watchUrl)};
import { eventually } from ${JSON.stringify(supportUrl)};
const watch = new LiveHeapWatch();
// The observer reports a collection after it: until the figure moves from what it was.
const collect = (before) => {
  gc();
  return eventually(() => (watch.liveBytes() !== before ? watch.liveBytes() : undefined), 5000, 'the collection to be reported');
};
const before = watch.liveBytes();
const base = await collect(before);
let kept = Array.from({ length: 400_000 }, (_, i) => ({ i, s: 'x' + i }));
const holding = await collect(base);
kept = null;
const released = await collect(holding);
watch.stop();
console.log(JSON.stringify({ before, base, holding, released }));
`;

it('reports the heap left after a full collection: up while objects are held, back down once they are released', () => {
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' });
  const { before, base, holding, released } = JSON.parse(out) as Record<string, number | undefined>;
  assert.equal(before, undefined, 'nothing to report before the first full collection');
  assert.ok(base! > 1_000_000, `a live heap is measured (${base})`);
  assert.ok(holding! - base! > 10_000_000, `400,000 held objects show (${base} -> ${holding})`);
  assert.ok(holding! - released! > 10_000_000, `and go once released (${holding} -> ${released})`);
});
