/** A command used wrongly (a missing argument, a bad option value): reported with its fix, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
