import { describe, expect, it } from 'vitest';
import { BodyBudgetExceededError, createBodyBudget } from '../../src/server/body-budget.js';

describe('the server-wide budget of request-body bytes', () => {
  it('adds up every lease, refuses what would pass it, and takes a lease back whole, once', () => {
    const budget = createBodyBudget(1000);
    const first = budget.lease();
    const second = budget.lease();
    first.reserve(600);
    second.reserve(300);
    expect(budget.heldBytes()).toBe(900);
    expect(() => second.reserve(101)).toThrow(BodyBudgetExceededError);
    expect(budget.heldBytes()).toBe(900);
    second.reserve(100);
    expect(budget.heldBytes()).toBe(1000);
    first.release();
    first.release();
    expect(budget.heldBytes()).toBe(400);
    first.reserve(500);
    expect(budget.heldBytes()).toBe(400);
    second.release();
    expect(budget.heldBytes()).toBe(0);
  });

  it('answers 503 with Retry-After, in words that name the setting', () => {
    const budget = createBodyBudget(100);
    budget.lease().reserve(80);
    try {
      budget.lease().reserve(30);
      expect.unreachable();
    } catch (error) {
      const refused = error as BodyBudgetExceededError;
      expect(refused).toMatchObject({ status: 503, type: 'server_error', code: 'body_budget_exceeded', retryable: true });
      expect(refused.headers).toEqual({ 'retry-after': '1' });
      expect(refused.message).toContain('80 bytes');
      expect(refused.message).toContain('RLM_MAX_BODY_TOTAL_BYTES');
    }
  });
});
