// Resolving renderer-build files for both shells: only paths inside the build, with their MIME type.
import { extname, join, normalize, sep } from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** The file a URL path names inside `root` ('/' → index.html), or null when it would leave `root`. */
export function rendererFile(root: string, pathname: string): { file: string; mime: string } | null {
  let rel: string;
  try {
    rel = decodeURIComponent(pathname).replace(/^\/+/, '') || 'index.html';
  } catch {
    return null;
  }
  const file = normalize(join(root, rel));
  if (!file.startsWith(normalize(root) + sep)) return null;
  return { file, mime: MIME[extname(file)] ?? 'application/octet-stream' };
}
