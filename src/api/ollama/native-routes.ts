/**
 * Ollama's native API as rlm serves it, in front of the OpenAI one: every route answers errors in
 * Ollama's `{"error": "..."}` shape (native-errors.ts). The last routes catch every other `/api/*`
 * path, so that an unknown path or a wrong method is Ollama-shaped too (Ollama itself answers
 * `404 page not found` and `405 method not allowed` in plain text).
 */
import type { Handler, RequestContext } from '../../server/context.js';
import type { Route } from '../../server/router.js';
import { RlmError } from '../../utils/errors.js';
import { handleNativeChat } from './native-chat.js';
import { handleNativeEmbed, handleNativeEmbeddings } from './native-embed.js';
import { withNativeErrors } from './native-errors.js';
import { handleNativeGenerate } from './native-generate.js';
import { managementHandler } from './native-manage.js';
import { handleNativePs, handleNativeRoot, handleNativeTags, handleNativeVersion } from './native-models.js';
import { handleNativeShow } from './native-show.js';

const SERVED: readonly Route[] = [
  { method: 'GET', path: '/', handler: handleNativeRoot },
  { method: 'GET', path: '/api/version', handler: handleNativeVersion },
  { method: 'GET', path: '/api/tags', handler: handleNativeTags },
  { method: 'GET', path: '/api/ps', handler: handleNativePs },
  { method: 'POST', path: '/api/show', handler: handleNativeShow },
  { method: 'POST', path: '/api/chat', handler: handleNativeChat },
  { method: 'POST', path: '/api/generate', handler: handleNativeGenerate },
  { method: 'POST', path: '/api/embed', handler: handleNativeEmbed },
  { method: 'POST', path: '/api/embeddings', handler: handleNativeEmbeddings },
  { method: 'POST', path: '/api/pull', handler: managementHandler('pull', 'POST') },
  { method: 'POST', path: '/api/create', handler: managementHandler('create', 'POST') },
  { method: 'POST', path: '/api/copy', handler: managementHandler('copy', 'POST') },
  { method: 'POST', path: '/api/push', handler: managementHandler('push', 'POST') },
  { method: 'DELETE', path: '/api/delete', handler: managementHandler('delete', 'DELETE') },
];

/** An /api/* path the table does not serve: 405 naming the method to use, or 404 naming the routes. */
async function handleUnknownNative(context: RequestContext): Promise<void> {
  const path = context.url.pathname;
  const method = context.request.method ?? 'GET';
  const allowed = SERVED.filter((route) => route.path === path).map((route) => route.method);
  if (allowed.length > 0) {
    throw new RlmError(`405 method not allowed: ${method} ${path}; use ${allowed.join(' or ')}`, {
      status: 405,
      type: 'invalid_request_error',
      code: 'method_not_allowed',
      headers: { allow: allowed.join(', ') },
    });
  }
  const listed = SERVED.map((route) => `${route.method} ${route.path}`).join(', ');
  throw new RlmError(`404 page not found: ${method} ${path}. rlm's Ollama API answers ${listed}.`, { status: 404, type: 'not_found_error', code: 'unknown_url' });
}

const withErrors = (routes: readonly Route[]): Route[] => routes.map((route) => ({ ...route, handler: withNativeErrors(route.handler) }));
const unknown: Handler = withNativeErrors(handleUnknownNative);

export const NATIVE_ROUTES: readonly Route[] = [
  ...withErrors(SERVED),
  { method: 'GET', path: '/api/*', handler: unknown },
  { method: 'POST', path: '/api/*', handler: unknown },
  { method: 'DELETE', path: '/api/*', handler: unknown },
];
