import assert from 'node:assert/strict';
import { ProviderError, type ProviderErrorKind } from '../../src/modules/channels/provider.port.js';

/**
 * For assert.rejects: the adapter threw a ProviderError of this kind and code (a string, or a
 * pattern it matches), with each field of `more` as given (retryAfterMs, httpStatus, answered...).
 */
export const rejectsWith = (kind: ProviderErrorKind, code: string | RegExp, more: Partial<ProviderError> = {}) => (e: unknown) => {
  assert.ok(e instanceof ProviderError, String(e));
  assert.equal(e.kind, kind, `${e.code}: ${e.message}`);
  if (typeof code === 'string') assert.equal(e.code, code, e.message);
  else assert.match(e.code, code, e.message);
  for (const [k, v] of Object.entries(more)) assert.equal(e[k as keyof ProviderError], v, `${k}: ${e.message}`);
  return true;
};
