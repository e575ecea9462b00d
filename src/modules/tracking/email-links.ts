import { isTrackableUrl } from './tracking-token.js';

/**
 * Link rewriting for email bodies, without an HTML parser (none is among Herald's
 * dependencies). It is deliberately narrow: only the `href` attribute of `<a>` tags is touched,
 * attributes are scanned with their quoting respected (so a `>` or `href=` inside another
 * attribute's value is not mistaken for one), entities in the value are decoded before the URL
 * is judged and the new value is written back escaped. Only http and https targets are
 * rewritten; mailto:, tel:, anchors and template leftovers are left alone.
 */
const A_TAG = /<(a)(?=[\s>/])((?:[^>"']|"[^"]*"|'[^']*')*)>/gi;
const ATTRIBUTE = /([^\s"'>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?/g;
const TEXT_URL = /\bhttps?:\/\/[^\s<>"']+/gi;

export function rewriteHtmlLinks(html: string, track: (url: string) => string): string {
  return html.replace(A_TAG, (tag: string, a: string, attributes: string) => {
    ATTRIBUTE.lastIndex = 0;
    for (let m = ATTRIBUTE.exec(attributes); m !== null; m = ATTRIBUTE.exec(attributes)) {
      if (m[1]!.toLowerCase() !== 'href' || m[2] === undefined) continue;
      const quoted = m[2].startsWith('"') || m[2].startsWith("'");
      const url = decodeEntities(quoted ? m[2].slice(1, -1) : m[2]).trim();
      if (!isTrackableUrl(url)) return tag;
      const start = m.index + m[0].length - m[2].length;
      return `<${a}${attributes.slice(0, start)}"${escapeHtml(track(url))}"${attributes.slice(start + m[2].length)}>`;
    }
    return tag;
  });
}

/** Plain-text bodies: bare http(s) URLs, without the sentence punctuation that often trails them. */
export function rewriteTextLinks(text: string, track: (url: string) => string): string {
  return text.replace(TEXT_URL, (found: string) => {
    const url = found.replace(/[.,;:!?)\]]+$/, '');
    return isTrackableUrl(url) ? track(url) + found.slice(url.length) : found;
  });
}

/** The open pixel goes just before `</body>` when there is one, else at the end. */
export function appendOpenPixel(html: string, pixelUrl: string): string {
  const img = `<img src="${escapeHtml(pixelUrl)}" width="1" height="1" alt="" style="border:0;width:1px;height:1px">`;
  const close = html.toLowerCase().lastIndexOf('</body>');
  return close < 0 ? html + img : html.slice(0, close) + img + html.slice(close);
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (entity: string, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
    }
    return NAMED[name.toLowerCase()] ?? entity;
  });
}

/** Safe inside HTML text and quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#39;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
