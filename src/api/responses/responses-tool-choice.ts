/**
 * Responses' `tool_choice` on a backend that has none. Ollama offers tools and lets the model pick,
 * so "auto" is what it does anyway. "none" is honoured by not offering the tools. "required" and a
 * named function (`{type: "function", name}`) are honoured by constrained decoding: the tools are
 * not offered, the answer's format is the JSON schema of a call (the named function's arguments,
 * or one of the offered functions' `{name, arguments}`), and that JSON answer becomes a
 * `function_call` item. The model is told which function it calls and what it is for.
 * `allowed_tools` narrows the offered tools, and hosted tool choices (web_search, …) are a 400.
 */
import type { OpenAIChatCompletionRequest, OpenAIChatMessage, OpenAIToolDefinition } from '../../types/openai.js';
import type { OllamaToolCall } from '../../types/ollama.js';
import { InvalidRequestError } from '../../utils/errors.js';
import { isPresent, isRecord } from '../validate.js';

/** How the answer is to be read: as the model gave it, or as the one call its JSON spells. */
export type ForcedCall = { kind: 'none' } | { kind: 'one'; name: string } | { kind: 'any' };

export interface ToolChoicePlan {
  request: OpenAIChatCompletionRequest;
  forced: ForcedCall;
}

const FORCED_SCHEMA_NAME = 'function_call';

export function planToolChoice(request: OpenAIChatCompletionRequest): ToolChoicePlan {
  const choice = request.tool_choice;
  const tools = request.tools ?? [];
  if (!isPresent(choice) || choice === 'auto') return { request, forced: { kind: 'none' } };
  if (choice === 'none') return { request: withTools(request, []), forced: { kind: 'none' } };
  if (choice === 'required') return force(request, tools, { kind: 'any' });
  if (isRecord(choice)) {
    if (choice['type'] === 'function') {
      const name = typeof choice['name'] === 'string' ? choice['name'] : isRecord(choice['function']) ? choice['function']['name'] : undefined;
      if (typeof name !== 'string') throw new InvalidRequestError("tool_choice of type 'function' needs a 'name'.", 'tool_choice.name', 'missing_required_parameter');
      const tool = tools.find((candidate) => candidate.function.name === name);
      if (tool === undefined) throw new InvalidRequestError(`tool_choice names the function '${name}', which is not among the request's tools.`, 'tool_choice.name', 'invalid_value');
      return force(request, [tool], { kind: 'one', name });
    }
    if (choice['type'] === 'allowed_tools') {
      const allowed = new Set((Array.isArray(choice['tools']) ? choice['tools'] : []).map((tool: unknown) => (isRecord(tool) ? tool['name'] : undefined)));
      const narrowed = withTools(request, tools.filter((tool) => allowed.has(tool.function.name)));
      return choice['mode'] === 'required' ? force(narrowed, narrowed.tools ?? [], { kind: 'any' }) : { request: narrowed, forced: { kind: 'none' } };
    }
  }
  throw new InvalidRequestError(
    `tool_choice ${JSON.stringify(choice)} is not supported: rlm serves function tools only, so tool_choice may be "auto", "none", "required", {"type": "function", "name": …} or {"type": "allowed_tools", …}.`,
    'tool_choice',
    'unsupported_parameter',
  );
}

function withTools(request: OpenAIChatCompletionRequest, tools: OpenAIToolDefinition[]): OpenAIChatCompletionRequest {
  const { tools: _dropped, tool_choice: _choice, ...rest } = request;
  return tools.length > 0 ? { ...rest, tools } : rest;
}

function force(request: OpenAIChatCompletionRequest, tools: readonly OpenAIToolDefinition[], forced: ForcedCall): ToolChoicePlan {
  if (tools.length === 0) throw new InvalidRequestError('tool_choice requires a tool call, but the request offers no function tools.', 'tool_choice', 'invalid_value');
  if (isPresent(request.response_format) && request.response_format.type !== 'text') {
    throw new InvalidRequestError(
      'tool_choice "required" or a named function cannot be combined with text.format: rlm enforces the call through the answer\'s format.',
      'tool_choice',
      'unsupported_parameter',
    );
  }
  const schema =
    forced.kind === 'one'
      ? parametersOf(tools[0] as OpenAIToolDefinition)
      : {
          anyOf: tools.map((tool) => ({
            type: 'object',
            properties: { name: { const: tool.function.name }, arguments: parametersOf(tool) },
            required: ['name', 'arguments'],
          })),
        };
  const listing = tools.map((tool) => `- ${tool.function.name}${tool.function.description ? `: ${tool.function.description}` : ''}`).join('\n');
  const instruction =
    forced.kind === 'one'
      ? `Call the function ${tools[0]?.function.name}. Answer with only its arguments, as one JSON object.\n${listing}`
      : `Call one of these functions. Answer with only {"name": the function's name, "arguments": its arguments as an object}.\n${listing}`;
  const { tools: _dropped, tool_choice: _choice, ...rest } = request;
  return {
    request: { ...rest, messages: withInstruction(request.messages, instruction), response_format: { type: 'json_schema', json_schema: { name: FORCED_SCHEMA_NAME, schema, strict: true } } },
    forced,
  };
}

function parametersOf(tool: OpenAIToolDefinition): Record<string, unknown> {
  return tool.function.parameters ?? { type: 'object', properties: {} };
}

/** Added to a leading system message (some chat templates accept only one, first), else as one. */
function withInstruction(messages: readonly OpenAIChatMessage[], instruction: string): OpenAIChatMessage[] {
  const first = messages[0];
  if (first !== undefined && first.role === 'system' && typeof first.content === 'string') {
    return [{ ...first, content: `${first.content}\n\n${instruction}` }, ...messages.slice(1)];
  }
  return [{ role: 'system', content: instruction }, ...messages];
}

/** The call the forced answer spells out (constrained decoding makes it parse; an empty object if it does not). */
export function forcedToolCall(forced: ForcedCall, content: string): OllamaToolCall {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch {
    value = undefined;
  }
  if (forced.kind === 'one') return { function: { index: 0, name: forced.name, arguments: isRecord(value) ? value : {} } };
  const name = isRecord(value) && typeof value['name'] === 'string' ? value['name'] : '';
  const argumentsValue = isRecord(value) && isRecord(value['arguments']) ? value['arguments'] : {};
  return { function: { index: 0, name, arguments: argumentsValue } };
}
