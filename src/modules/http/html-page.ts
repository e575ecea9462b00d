import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { escapeHtml } from '../tracking/email-links.js';

/**
 * The pages recipients see (one-click unsubscribe, preferences): one look, readable without
 * script or outside resources. Colours keep WCAG AA contrast (the lightest text, #4a5560 on
 * white, is 7.6:1; errors, #a4161a, 7.4:1; the focus ring 4.8:1) and every focusable control shows a visible focus ring.
 */
const STYLE = `
body{margin:0;background:#f4f6f8;color:#1b1f24;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:40rem;margin:2rem auto;padding:1.5rem 2rem;background:#fff;border:1px solid #d0d7de;border-radius:8px}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 1rem}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
p{margin:0 0 1rem}
.note{color:#4a5560}
.status{padding:.75rem 1rem;border-left:4px solid #1a7f37;background:#eefbf1;color:#0f5323;font-weight:600}
.alert{padding:.75rem 1rem;border-left:4px solid #a4161a;background:#fdecea;color:#8c1116;font-weight:600}
.error{color:#a4161a;font-weight:600}
input[type=time]{font:inherit;padding:.25rem .5rem;border:1px solid #6e7781;border-radius:4px}
input[aria-invalid=true]{border:2px solid #a4161a}
fieldset{border:1px solid #d0d7de;border-radius:6px;margin:0 0 1rem;padding:.75rem 1rem}
legend{font-weight:600;padding:0 .25rem}
label{display:inline-flex;align-items:center;gap:.5rem;margin:.25rem 1.5rem .25rem 0;cursor:pointer}
input[type=checkbox]{width:1.25rem;height:1.25rem;margin:0;accent-color:#0a58ca}
button{font:inherit;font-weight:600;padding:.6rem 1.25rem;border-radius:6px;border:1px solid #0a58ca;background:#0a58ca;color:#fff;cursor:pointer;margin:0 .5rem .5rem 0}
button.secondary{background:#fff;color:#0a58ca}
:focus-visible{outline:3px solid #b35900;outline-offset:2px}
form{margin:0 0 1rem}
`;

/** The stylesheet is allowed by its hash, so the policy can still refuse every other style and all script. */
const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;
const POLICY = `default-src 'none'; style-src ${STYLE_HASH}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;

export interface HtmlPage {
  /** A BCP 47 language tag: screen readers pronounce the page in it. */
  lang: string;
  /** Plain text. */
  title: string;
  /** Trusted markup: every value in it already escaped (escapeHtml). */
  body: string;
  status?: number;
}

/**
 * No script, no outside resources, no caching, no framing. The URL holds a token, so it is never
 * sent as a referrer to another site; `same-origin` rather than `no-referrer` because under
 * no-referrer a browser sends `Origin: null` with the page's own form posts, and the preference
 * page's cross-site check needs their real Origin.
 */
export function sendHtmlPage(reply: FastifyReply, { lang, title, body, status = 200 }: HtmlPage) {
  const page = `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="same-origin"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>
${body}
</main></body></html>`;
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'same-origin')
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', POLICY)
    .send(page);
}
