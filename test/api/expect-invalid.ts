import { expect } from 'vitest';
import { InvalidRequestError } from '../../src/utils/errors.js';

/** Runs `action`, expects an InvalidRequestError with this param, and returns it for further checks. */
export function expectInvalid(action: () => unknown, param: string | null, message?: string | RegExp): InvalidRequestError {
  const error = thrownInvalid(action);
  expect(error.param).toBe(param);
  expect(error.status).toBe(400);
  if (typeof message === 'string') expect(error.message).toBe(message);
  else if (message !== undefined) expect(error.message).toMatch(message);
  return error;
}

/** Runs `action` and returns the InvalidRequestError it threw (failing the test if it threw nothing else). */
export function thrownInvalid(action: () => unknown): InvalidRequestError {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InvalidRequestError);
  return caught as InvalidRequestError;
}
