import { pickLocale } from '../../domain/template/template.js';

/**
 * A recipient page's language: the user's profile locale when the catalog has its language,
 * else the browser's Accept-Language (the first of its languages the catalog has), else English.
 */
export function choosePageLanguage<M>(catalog: { en: M } & Record<string, M>, profileLocale: string | null, acceptLanguage: string | undefined): { lang: string; messages: M } {
  const wanted = [profileLocale, ...acceptedLanguages(acceptLanguage)].filter((l): l is string => Boolean(l));
  const lang = wanted.map((l) => pickLocale(Object.keys(catalog), l, '')).find((l) => l !== '') ?? 'en';
  return { lang, messages: catalog[lang]! };
}

/** Accept-Language (RFC 9110 12.5.4) in order of preference; `*` and q=0 say nothing we can use. */
function acceptedLanguages(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .map((part, index) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([01](?:\.\d{0,3})?)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag!.trim(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((l) => /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/.test(l.tag) && l.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index)
    .map((l) => l.tag);
}
