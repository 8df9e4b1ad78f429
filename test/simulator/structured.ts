/**
 * What an unscripted model answers under `format`: Ollama constrains generation with a grammar, so
 * the output always parses and fits the schema. The simulator answers the smallest instance that
 * does: the first enum value, one item per required array, every property filled.
 */
const TEXT = 'Simulated text.';

export function structuredReply(format: unknown): string | undefined {
  if (format === 'json') return '{}';
  if (typeof format !== 'object' || format === null) return undefined;
  return JSON.stringify(instanceOf(format as Record<string, unknown>, 0));
}

function instanceOf(schema: Record<string, unknown>, depth: number): unknown {
  if (depth > 8) return null;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ('const' in schema) return schema.const;
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
      return Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, instanceOf(property, depth + 1)]));
    }
    case 'array': {
      const count = Math.max(1, typeof schema.minItems === 'number' ? schema.minItems : 0);
      const item = (schema.items ?? {}) as Record<string, unknown>;
      return Array.from({ length: count }, () => instanceOf(item, depth + 1));
    }
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 0;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return TEXT;
  }
}
