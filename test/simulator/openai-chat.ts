/**
 * POST /v1/chat/completions as Ollama's middleware serves it: the OpenAI body mapped to a native
 * chat request (reference §10.2), the native handler run, its answer written as chat completion
 * chunks or one chat completion (openai-wire.ts). `stream` defaults to false here.
 */
import type { OllamaChatResponse } from '../../src/types/ollama.js';
import { handleChat } from './chat.js';
import type { Exchange, SimulatorCore } from './exchange.js';
import { includeUsage, nativeOptions, readOpenAiBody, runNative } from './openai-request.js';
import { chatChunk, chatCompletion, chatErrorChunk, openAiId, sendOpenAiError, usageChunk, type OpenAiContext } from './openai-wire.js';

type Mapped = { ok: true; messages: object[] } | { ok: false; message: string };

const THINK: Record<string, boolean | string> = { none: false, minimal: 'low', low: 'low', medium: 'medium', high: 'high', max: 'max', xhigh: 'max', ultra: 'max' };

/** Each content part becomes a native message of its own, as Ollama's FromChatRequest does. */
function mapMessages(messages: unknown[]): Mapped {
  const out: object[] = [];
  const toolNames = new Map<string, string>();
  for (const entry of messages) {
    const message = entry as { role?: unknown; content?: unknown; tool_calls?: unknown; tool_call_id?: unknown; name?: unknown; reasoning?: unknown };
    const role = message.role;
    const thinking = typeof message.reasoning === 'string' ? { thinking: message.reasoning } : {};
    const toolCalls: object[] = [];
    if (Array.isArray(message.tool_calls)) {
      for (const call of message.tool_calls as { id?: string; function?: { name?: string; arguments?: unknown } }[]) {
        let args: unknown;
        try {
          args = JSON.parse(String(call.function?.arguments ?? ''));
        } catch {
          return { ok: false, message: 'invalid tool call arguments' };
        }
        if (call.id !== undefined && call.function?.name !== undefined) toolNames.set(call.id, call.function.name);
        toolCalls.push({ ...(call.id !== undefined && { id: call.id }), function: { name: call.function?.name ?? '', arguments: args } });
      }
    }
    if (role === 'tool') {
      const id = typeof message.tool_call_id === 'string' ? message.tool_call_id : undefined;
      const name = typeof message.name === 'string' ? message.name : id === undefined ? undefined : toolNames.get(id);
      out.push({ role, content: typeof message.content === 'string' ? message.content : '', ...(name !== undefined && { tool_name: name }), ...(id !== undefined && { tool_call_id: id }) });
      continue;
    }
    if (typeof message.content === 'string' || (message.content == null && toolCalls.length > 0)) {
      out.push({ role, content: message.content ?? '', ...thinking, ...(toolCalls.length > 0 && { tool_calls: toolCalls }) });
      continue;
    }
    if (!Array.isArray(message.content)) return { ok: false, message: `invalid message content type: ${message.content === null || message.content === undefined ? '<nil>' : typeof message.content}` };
    for (const part of message.content as { type?: unknown; text?: unknown; image_url?: unknown }[]) {
      if (part.type === 'text' && typeof part.text === 'string') out.push({ role, content: part.text });
      else if (part.type === 'image_url') {
        const url = typeof part.image_url === 'string' ? part.image_url : (part.image_url as { url?: unknown } | null)?.url;
        if (typeof url !== 'string') return { ok: false, message: 'invalid message format' };
        if (/^https?:\/\//.test(url)) return { ok: false, message: 'image URLs are not currently supported, please use base64 encoded data instead' };
        const data = /^data:(?:image\/(?:jpeg|jpg|png|webp))?;base64,(.*)$/s.exec(url);
        if (data === null) return { ok: false, message: 'invalid image input' };
        out.push({ role, content: '', images: [data[1]] });
      } else return { ok: false, message: 'invalid message format' };
    }
    if (toolCalls.length > 0) out.push({ role, content: '', tool_calls: toolCalls });
  }
  return { ok: true, messages: out };
}

function nativeFormat(format: unknown): unknown {
  const value = format as { type?: unknown; json_schema?: { schema?: unknown } } | null | undefined;
  if (value?.type === 'json_object') return 'json';
  if (value?.type === 'json_schema') return value.json_schema?.schema;
  return undefined;
}

export async function handleOpenAiChat(exchange: Exchange, core: SimulatorCore): Promise<void> {
  const body = readOpenAiBody(exchange);
  if (body === undefined) return;
  const messages = Array.isArray(body.messages) ? body.messages : [];
  if (messages.length === 0) return sendOpenAiError(exchange.response, 400, "[] is too short - 'messages'");
  const mapped = mapMessages(messages);
  if (!mapped.ok) return sendOpenAiError(exchange.response, 400, mapped.message);
  const effort = typeof body.reasoning_effort === 'string' ? body.reasoning_effort : (body.reasoning as { effort?: unknown } | undefined)?.effort;
  if (typeof effort === 'string' && !(effort in THINK)) {
    return sendOpenAiError(exchange.response, 400, `invalid reasoning value: ${JSON.stringify(effort)} (must be "minimal", "low", "medium", "high", "xhigh", "ultra", "max", or "none")`);
  }
  const stream = body.stream === true;
  const native = {
    model: body.model,
    messages: mapped.messages,
    stream,
    options: nativeOptions(body),
    ...(nativeFormat(body.response_format) !== undefined && { format: nativeFormat(body.response_format) }),
    ...(Array.isArray(body.tools) && { tools: body.tools }),
    ...(typeof effort === 'string' && { think: THINK[effort] }),
    ...(typeof body.logprobs === 'boolean' && { logprobs: body.logprobs }),
    ...(typeof body.top_logprobs === 'number' && { top_logprobs: body.top_logprobs }),
  };
  const context: OpenAiContext = { id: openAiId('chatcmpl', exchange.sequence), model: typeof body.model === 'string' ? body.model : '', includeUsage: includeUsage(body), now: core.now };
  let toolCalls = false;
  return runNative(exchange, core, handleChat, native, {
    line(line) {
      const chunk = line as unknown as OllamaChatResponse;
      if ((chunk.message?.tool_calls?.length ?? 0) > 0) toolCalls = true;
      const events = [chatChunk(context, chunk, toolCalls)];
      if (chunk.done && context.includeUsage) events.push(usageChunk(context, 'chat.completion.chunk', chunk));
      return events;
    },
    errorLine: () => [chatErrorChunk(context)],
    whole: (whole) => chatCompletion(context, whole as unknown as OllamaChatResponse),
  });
}
