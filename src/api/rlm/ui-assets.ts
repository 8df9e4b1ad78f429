/**
 * The web page at /ui/: the static files the build puts in dist/ui/ (the HTML, the CSS and the
 * compiled browser code), served with a strict Content-Security-Policy: scripts, styles and
 * requests only from this origin, nothing inline, no framing. Images may also be blob: URLs: the
 * eval charts, which the page fetches with the API key (an <img> cannot send it) and shows as
 * images, where SVG runs no script. The page holds no data; everything it shows it asks of the
 * API, under the API's own rules.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RequestContext } from '../../server/context.js';
import { NotFoundError } from '../../utils/errors.js';

export const UI_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** A file name the build writes: no slash, no dot segment. */
const ASSET_NAME = /^[a-z0-9][a-z0-9-]*(?:\.[a-z0-9]+)+$/;

/** dist/ui beside the compiled server; from src/ (tests under tsx), the repository's dist/ui. */
function defaultUiDirectory(): string {
  const beside = fileURLToPath(new URL('../../ui/', import.meta.url));
  if (existsSync(`${beside}index.html`)) return beside;
  return fileURLToPath(new URL('../../../dist/ui/', import.meta.url));
}

let uiDirectory: string | undefined;

export async function handleUiRedirect(context: RequestContext): Promise<void> {
  context.response.writeHead(302, { location: '/ui/', 'content-length': 0 });
  context.response.end();
}

export function handleUiIndex(context: RequestContext): Promise<void> {
  return sendAsset(context, 'index.html');
}

export function handleUiAsset(context: RequestContext): Promise<void> {
  return sendAsset(context, context.params.rest ?? '');
}

async function sendAsset(context: RequestContext, name: string): Promise<void> {
  const extension = name.slice(name.lastIndexOf('.'));
  const type = TYPES[extension];
  if (!ASSET_NAME.test(name) || type === undefined) throw new NotFoundError(`No file /ui/${name}.`, null, 'unknown_url');
  uiDirectory ??= defaultUiDirectory();
  let bytes: Buffer;
  try {
    bytes = await readFile(`${uiDirectory}${name}`);
  } catch {
    const hint = name === 'index.html' ? ' The page is built into dist/ui/ by `npm run build`.' : '';
    throw new NotFoundError(`No file /ui/${name}.${hint}`, null, 'unknown_url');
  }
  context.response.writeHead(200, { ...UI_SECURITY_HEADERS, 'content-type': type, 'content-length': bytes.length });
  context.response.end(context.request.method === 'HEAD' ? undefined : bytes);
}
