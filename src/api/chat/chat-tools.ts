/**
 * Tool definitions: validation of OpenAI `tools[]` and their mapping to Ollama's (same shape).
 */
import type { OpenAIToolDefinition } from '../../types/openai.js';
import type { OllamaToolDefinition } from '../../types/ollama.js';
import {
  fieldPath,
  indexPath,
  invalidType,
  isPresent,
  isRecord,
  missingParameter,
  optionalArray,
  optionalEnum,
  optionalRecord,
  optionalString,
  requiredString,
} from '../validate.js';

/**
 * Tools declared without `parameters` still need an object schema: some chat templates read
 * `.parameters.properties` unconditionally. VS Code fills the same default (docs/reference/clients.md §3).
 */
function emptyParameters(): Record<string, unknown> {
  return { type: 'object', properties: {} };
}

/** The validated tools; undefined when absent or empty (an empty list means "no tools"). */
export function parseTools(body: Record<string, unknown>): OpenAIToolDefinition[] | undefined {
  const tools = optionalArray(body, 'tools');
  if (tools === undefined || tools.length === 0) return undefined;
  return tools.map((tool: unknown, index) => parseTool(tool, indexPath('tools', index)));
}

function parseTool(tool: unknown, path: string): OpenAIToolDefinition {
  if (!isRecord(tool)) throw invalidType(path, 'an object', tool);
  const typePath = fieldPath(path, 'type');
  if (!isPresent(tool['type'])) throw missingParameter(typePath);
  optionalEnum(tool, 'type', ['function'], typePath);
  const functionPath = fieldPath(path, 'function');
  const target = optionalRecord(tool, 'function', functionPath);
  if (target === undefined) throw missingParameter(functionPath);
  const name = requiredString(target, 'name', fieldPath(functionPath, 'name'));
  const description = optionalString(target, 'description', fieldPath(functionPath, 'description'));
  const parameters = optionalRecord(target, 'parameters', fieldPath(functionPath, 'parameters')) ?? emptyParameters();
  const definition: OpenAIToolDefinition = { type: 'function', function: { name, parameters } };
  if (description !== undefined) definition.function.description = description;
  return definition;
}

/**
 * The tools to send upstream. `tool_choice: "none"` means the model must not call any tool; Ollama
 * has no tool_choice, so the only way to honour it is to not offer the tools. Other tool_choice
 * values ("auto", "required", a named function) cannot be enforced and are accepted as hints.
 */
export function toOllamaTools(tools: readonly OpenAIToolDefinition[] | null | undefined, toolChoice: unknown): OllamaToolDefinition[] | undefined {
  if (!isPresent(tools) || tools.length === 0 || toolChoice === 'none') return undefined;
  return tools.map((tool) => {
    const definition: OllamaToolDefinition = {
      type: 'function',
      function: { name: tool.function.name, parameters: tool.function.parameters ?? emptyParameters() },
    };
    if (isPresent(tool.function.description)) definition.function.description = tool.function.description;
    return definition;
  });
}
