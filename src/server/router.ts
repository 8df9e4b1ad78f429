/**
 * A route table. Paths match with or without the `/v1` prefix, because clients differ in whether
 * their configured base URL includes it; a trailing `*` captures the rest of the path as `rest`
 * (model ids contain slashes: "library/llama3.2", "rlm/qwen2.5:0.5b").
 */
import { MethodNotAllowedError, NotFoundError } from '../utils/errors.js';
import type { Handler } from './context.js';

export interface Route {
  method: 'GET' | 'POST';
  path: string;
  handler: Handler;
}

export interface RouteMatch {
  handler: Handler;
  params: Record<string, string>;
}

export function createRouter(routes: readonly Route[]): (method: string, pathname: string) => RouteMatch {
  return (method, pathname) => {
    const candidates = [pathname];
    if (!pathname.startsWith('/v1/')) candidates.push(`/v1${pathname}`);
    const allowed = new Set<string>();
    for (const candidate of candidates) {
      for (const route of routes) {
        const params = matchPath(route.path, candidate);
        if (params === undefined) continue;
        if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { handler: route.handler, params };
        allowed.add(route.method);
      }
    }
    if (allowed.size > 0) throw new MethodNotAllowedError(method, pathname, [...allowed, 'OPTIONS']);
    throw new NotFoundError(
      `Unknown path ${method} ${pathname}. This server answers /v1/chat/completions, /v1/completions, /v1/embeddings, /v1/models and /health.`,
      null,
      'unknown_url',
    );
  };
}

function matchPath(pattern: string, pathname: string): Record<string, string> | undefined {
  if (pattern.endsWith('/*')) {
    const prefix = pattern.slice(0, -1);
    if (!pathname.startsWith(prefix) || pathname.length === prefix.length) return undefined;
    try {
      return { rest: decodeURIComponent(pathname.slice(prefix.length)) };
    } catch {
      return undefined;
    }
  }
  return pattern === pathname ? {} : undefined;
}
