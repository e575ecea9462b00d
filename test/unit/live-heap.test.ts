import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { it } from 'node:test';

const watchUrl = new URL('../../src/modules/metrics/live-heap.js', import.meta.url).href;

// In a child with --expose-gc, so the test decides when full collections happen.
const script = `
import { LiveHeapWatch } from ${JSON.stringify(watchUrl)};
const settle = () => new Promise((r) => setTimeout(r, 50)); // the observer reports after the collection
const watch = new LiveHeapWatch();
const before = watch.liveBytes();
gc(); await settle();
const base = watch.liveBytes();
let kept = Array.from({ length: 400_000 }, (_, i) => ({ i, s: 'x' + i }));
gc(); await settle();
const holding = watch.liveBytes();
kept = null;
gc(); await settle();
const released = watch.liveBytes();
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
