import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';

/** Loads `path` (again whenever it changes, and every `refreshMs` if given): {data, error, loading, reload}. */
export function useApi(path, refreshMs) {
  const [state, setState] = useState({ data: undefined, error: undefined, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!path) return undefined;
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    api(path).then(
      (data) => live && setState({ data, error: undefined, loading: false }),
      (error) => live && setState({ data: undefined, error, loading: false }),
    );
    const timer = refreshMs ? setTimeout(() => live && setTick((t) => t + 1), refreshMs) : undefined;
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [path, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}
