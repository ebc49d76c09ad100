// The renderer's Content-Security-Policy: only the app's own scripts, no inline script, no eval.
export function contentSecurityPolicy(extra: { connect?: string; img?: string } = {}): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob:${extra.img ? ` ${extra.img}` : ''}`,
    `connect-src 'self'${extra.connect ? ` ${extra.connect}` : ''}`,
    "font-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
