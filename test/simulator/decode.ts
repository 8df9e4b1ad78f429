/**
 * Binding a request body the way gin's ShouldBindJSON does into Ollama's Go structs: an empty body
 * is io.EOF ("missing request body"), a syntax error is the decoder's message, and a value of the
 * wrong JSON type is an UnmarshalTypeError naming the struct field. All of them are 400s.
 */
import { decodeFirstValue, GoJsonSyntaxError } from './go-json.js';

type Kind = 'string' | 'bool' | 'number' | 'int' | 'array' | 'object' | 'base64' | 'any';

export interface FieldSpec {
  kind: Kind;
  goType: string;
  items?: FieldSpec;
  fields?: Record<string, FieldSpec>;
}

export interface RequestSpec {
  struct: string;
  fields: Record<string, FieldSpec>;
}

export type Decoded = { ok: true; value: Record<string, unknown> } | { ok: false; message: string };

const string: FieldSpec = { kind: 'string', goType: 'string' };
const bool: FieldSpec = { kind: 'bool', goType: 'bool' };
const int: FieldSpec = { kind: 'int', goType: 'int' };
const options: FieldSpec = { kind: 'object', goType: 'map[string]interface {}' };
const images: FieldSpec = { kind: 'array', goType: '[]api.ImageData', items: { kind: 'base64', goType: 'api.ImageData' } };

const MESSAGE: FieldSpec = {
  kind: 'object',
  goType: 'api.Message',
  fields: {
    role: string,
    content: string,
    thinking: string,
    images,
    tool_calls: { kind: 'array', goType: '[]api.ToolCall', items: { kind: 'object', goType: 'api.ToolCall' } },
    tool_name: string,
    tool_call_id: string,
  },
};

export const CHAT_REQUEST: RequestSpec = {
  struct: 'ChatRequest',
  fields: {
    model: string,
    messages: { kind: 'array', goType: '[]api.Message', items: MESSAGE },
    tools: { kind: 'array', goType: 'api.Tools', items: { kind: 'object', goType: 'api.Tool' } },
    stream: bool,
    options,
    truncate: bool,
    shift: bool,
    logprobs: bool,
    top_logprobs: int,
  },
};

export const GENERATE_REQUEST: RequestSpec = {
  struct: 'GenerateRequest',
  fields: {
    model: string,
    prompt: string,
    suffix: string,
    system: string,
    template: string,
    raw: bool,
    context: { kind: 'array', goType: '[]int', items: int },
    images,
    stream: bool,
    options,
    truncate: bool,
    shift: bool,
    logprobs: bool,
    top_logprobs: int,
  },
};

export const EMBED_REQUEST: RequestSpec = {
  struct: 'EmbedRequest',
  fields: { model: string, input: { kind: 'any', goType: 'interface {}' }, truncate: bool, dimensions: int, options },
};

export const EMBEDDINGS_REQUEST: RequestSpec = {
  struct: 'EmbeddingRequest',
  fields: { model: string, prompt: string, options },
};

export const SHOW_REQUEST: RequestSpec = {
  struct: 'ShowRequest',
  fields: { model: string, name: string, system: string, verbose: bool, options },
};

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  return typeof value;
}

function matches(kind: Kind, value: unknown): boolean {
  switch (kind) {
    case 'any':
      return true;
    case 'string':
    case 'base64':
      return typeof value === 'string';
    case 'bool':
      return typeof value === 'boolean';
    case 'number':
    case 'int':
      return typeof value === 'number';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
  }
}

/** Go's base64.StdEncoding error offset, close enough for the common mistakes (a data: prefix). */
export function base64ErrorOffset(text: string): number | undefined {
  const compact = text.replace(/[\r\n]/g, '');
  const illegal = /[^A-Za-z0-9+/=]/.exec(compact);
  if (illegal !== null) return illegal.index;
  const padding = compact.indexOf('=');
  if (padding !== -1 && !/^=*$/.test(compact.slice(padding))) return padding;
  if (compact.length % 4 !== 0) return compact.length - (compact.length % 4);
  return undefined;
}

function checkValue(spec: FieldSpec, value: unknown, struct: string, path: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (!matches(spec.kind, value)) {
    return `json: cannot unmarshal ${jsonKind(value)} into Go struct field ${struct}.${path} of type ${spec.goType}`;
  }
  if (spec.kind === 'int' && !Number.isInteger(value)) {
    return `json: cannot unmarshal number ${String(value)} into Go struct field ${struct}.${path} of type ${spec.goType}`;
  }
  if (spec.kind === 'base64') {
    const offset = base64ErrorOffset(value as string);
    return offset === undefined ? undefined : `illegal base64 data at input byte ${offset}`;
  }
  if (spec.items !== undefined) {
    for (const item of value as unknown[]) {
      const error = checkValue(spec.items, item, struct, path);
      if (error !== undefined) return error;
    }
  }
  if (spec.fields !== undefined) return checkFields(spec.fields, value as Record<string, unknown>, struct, `${path}.`);
  return undefined;
}

function checkFields(
  fields: Record<string, FieldSpec>,
  value: Record<string, unknown>,
  struct: string,
  prefix: string,
): string | undefined {
  for (const [name, spec] of Object.entries(fields)) {
    const error = checkValue(spec, value[name], struct, `${prefix}${name}`);
    if (error !== undefined) return error;
  }
  return undefined;
}

export function decodeRequest(text: string, spec: RequestSpec): Decoded {
  if (text.trim() === '') return { ok: false, message: 'missing request body' };
  let value: unknown;
  try {
    value = decodeFirstValue(text);
  } catch (error) {
    if (error instanceof GoJsonSyntaxError) return { ok: false, message: error.message };
    throw error;
  }
  // Decoding null into a struct is a no-op in Go.
  if (value === null) return { ok: true, value: {} };
  if (!matches('object', value)) {
    return { ok: false, message: `json: cannot unmarshal ${jsonKind(value)} into Go value of type api.${spec.struct}` };
  }
  const body = value as Record<string, unknown>;
  const error = checkFields(spec.fields, body, spec.struct, '');
  return error === undefined ? { ok: true, value: body } : { ok: false, message: error };
}
