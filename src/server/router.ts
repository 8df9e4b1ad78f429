/**
 * A route table. Paths match with or without the `/v1` prefix, because clients differ in whether
 * their configured base URL includes it; a trailing `*` captures the rest of the path as `rest`
 * (model ids contain slashes: "library/llama3.2", "rlm/qwen2.5:0.5b").
 */
import { MethodNotAllowedError, NotFoundError } from '../utils/errors.js';
import type { Handler } from './context.js';

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  handler: Handler;
}

export interface RouteMatch {
  handler: Handler;
  params: Record<string, string>;
}

export function createRouter(routes: readonly Route[]): (method: string, pathname: string) => RouteMatch {
  const served = describeRoutes(routes);
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
    throw new NotFoundError(`Unknown path ${method} ${pathname}. This server answers ${served}.`, null, 'unknown_url');
  };
}

/** "GET /health, … and POST /v1/rlm/search (each /v1 path also without /v1)", from the table itself. */
function describeRoutes(routes: readonly Route[]): string {
  const names = routes.map((route) => `${route.method} ${route.path.endsWith('/*') ? `${route.path.slice(0, -1)}{id}` : route.path}`);
  const listed = names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1] as string}` : (names[0] ?? 'nothing');
  return routes.some((route) => route.path.startsWith('/v1/')) ? `${listed} (each /v1 path also without /v1)` : listed;
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
