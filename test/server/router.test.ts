import { describe, expect, it } from 'vitest';
import { createRouter, type Route } from '../../src/server/router.js';
import { ROUTES } from '../../src/server/routes.js';
import { NotFoundError } from '../../src/utils/errors.js';

const handler = async (): Promise<void> => {};

function notFoundMessage(routes: readonly Route[], path = '/nowhere'): string {
  try {
    createRouter(routes)('GET', path);
  } catch (error) {
    expect(error).toBeInstanceOf(NotFoundError);
    return (error as NotFoundError).message;
  }
  throw new Error(`${path} was routed`);
}

describe('the 404 for an unknown path', () => {
  it('is derived from the route table, so a new route is listed without touching the message', () => {
    const message = notFoundMessage([
      { method: 'GET', path: '/health', handler },
      { method: 'POST', path: '/v1/things/*', handler },
    ]);
    expect(message).toBe('Unknown path GET /nowhere. This server answers GET /health and POST /v1/things/{id} (each /v1 path also without /v1).');
  });

  it('names every route of the real table', () => {
    const message = notFoundMessage(ROUTES);
    for (const route of ROUTES) expect(message).toContain(`${route.method} ${route.path.replace(/\*$/, '{id}')}`);
  });
});
