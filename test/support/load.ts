const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Open-loop load: `request(n)` is started `ratePerSecond` times a second, however long the
 * answers take (a closed loop would slow down with the server and hide its latency). `stop`
 * ends the loop and waits for the requests still in flight.
 */
export function openLoop(ratePerSecond: number, request: (n: number) => Promise<void>): { stop(): Promise<void> } {
  let running = true;
  const done = (async () => {
    const inFlight = new Set<Promise<void>>();
    const start = Date.now();
    for (let n = 0; running; n++) {
      await sleep(Math.max(0, start + (n * 1000) / ratePerSecond - Date.now()));
      const call = request(n).finally(() => inFlight.delete(call));
      inFlight.add(call);
    }
    await Promise.all(inFlight);
  })();
  return {
    stop: async () => {
      running = false;
      await done;
    },
  };
}
