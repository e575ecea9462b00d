/** A page's origin as a browser sends it in `Origin`: http or https, host and port, nothing else (no path, no trailing slash). */
export function isWebOrigin(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
}
