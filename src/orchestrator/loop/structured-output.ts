/** Reading what a stage model returned through a JSON-schema `format`: strictly, never guessing. */

/** The JSON object the model wrote, or null for anything else (not JSON, an array, a string…). */
export function parseJsonObject(content: string): Record<string, unknown> | null {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch {
    return null;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** The non-blank strings of a list, trimmed; anything that is not a list gives []. */
export function nonBlankStrings(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.filter((item): item is string => typeof item === 'string' && item.trim() !== '').map((item) => item.trim());
}
