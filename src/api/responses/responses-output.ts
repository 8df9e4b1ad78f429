/**
 * Native /api/chat answers -> the OpenAI Responses API's output: the `response` object, and for a
 * stream its event sequence (response.created, response.in_progress, then per output item
 * output_item.added, its parts and deltas, their .done events and output_item.done, and last
 * response.completed), each event numbered by `sequence_number`. Thinking becomes a `reasoning`
 * item with a summary, text a `message` item with one `output_text` part, each tool call a
 * `function_call` item. Items are opened as their first piece arrives and closed when another kind
 * starts, so the order of the output is the order of the answer.
 */
import type { OllamaChatResponse } from '../../types/ollama.js';

export interface ResponsesContext {
  id: string;
  /** Unix seconds. */
  createdAt: number;
  model: string;
  newId: (prefix: string) => string;
  /** Echoed in the response object, as OpenAI echoes the request's settings. */
  echo: Record<string, unknown>;
}

export type ResponsesEvent = Record<string, unknown> & { type: string; sequence_number: number };

type OutputItem = Record<string, unknown> & { type: string; id: string };

export interface ResponsesBuilder {
  /** response.created and response.in_progress. */
  start(): ResponsesEvent[];
  /** The events for one native chunk (the done chunk's usage is kept for the end). */
  push(chunk: OllamaChatResponse): ResponsesEvent[];
  /** Reasoning text from outside the model (the pipeline's progress). */
  reasoning(text: string): ResponsesEvent[];
  /** Closes the open item and ends with response.completed. `extra` is added to the response (rlm's summary). */
  finish(extra?: Record<string, unknown>): ResponsesEvent[];
  /** The whole response object, for a non-streaming answer (after every chunk was pushed). */
  response(extra?: Record<string, unknown>): Record<string, unknown>;
  /**
   * The end of a stream that failed after it opened: an `error` event, then `response.failed`. The
   * error event carries the fields both at its top level (OpenAI's documented shape, which the AI
   * SDK reads) and under `error` (which the openai package raises as an APIError, and so LangChain).
   */
  fail(error: { message: string; type: string; code: string | null; param: string | null }): ResponsesEvent[];
}

export function createResponsesBuilder(context: ResponsesContext): ResponsesBuilder {
  let sequence = 0;
  const output: OutputItem[] = [];
  let open: { item: OutputItem; text: string } | undefined;
  let done: OllamaChatResponse | undefined;
  let hasToolCalls = false;

  const event = (type: string, fields: Record<string, unknown>): ResponsesEvent => ({ type, sequence_number: sequence++, ...fields });

  function responseObject(status: 'in_progress' | 'completed' | 'incomplete' | 'failed', extra: Record<string, unknown> = {}): Record<string, unknown> {
    const inputTokens = done?.prompt_eval_count ?? 0;
    const outputTokens = done?.eval_count ?? 0;
    return {
      id: context.id,
      object: 'response',
      created_at: context.createdAt,
      status,
      error: null,
      incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
      model: context.model,
      output: status === 'in_progress' ? [] : output,
      parallel_tool_calls: true,
      previous_response_id: null,
      store: false,
      tool_choice: 'auto',
      tools: [],
      text: { format: { type: 'text' } },
      truncation: 'disabled',
      metadata: {},
      ...context.echo,
      usage:
        status === 'in_progress'
          ? null
          : { input_tokens: inputTokens, input_tokens_details: { cached_tokens: 0 }, output_tokens: outputTokens, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: inputTokens + outputTokens },
      ...extra,
    };
  }

  function close(): ResponsesEvent[] {
    if (open === undefined) return [];
    const { item, text } = open;
    open = undefined;
    const outputIndex = output.indexOf(item);
    if (item.type === 'reasoning') {
      const part = { type: 'summary_text', text };
      item['summary'] = [part];
      return [
        event('response.reasoning_summary_text.done', { item_id: item.id, output_index: outputIndex, summary_index: 0, text }),
        event('response.reasoning_summary_part.done', { item_id: item.id, output_index: outputIndex, summary_index: 0, part }),
        event('response.output_item.done', { output_index: outputIndex, item }),
      ];
    }
    const part = { type: 'output_text', text, annotations: [], logprobs: [] };
    item['content'] = [part];
    item['status'] = 'completed';
    return [
      event('response.output_text.done', { item_id: item.id, output_index: outputIndex, content_index: 0, text, logprobs: [] }),
      event('response.content_part.done', { item_id: item.id, output_index: outputIndex, content_index: 0, part }),
      event('response.output_item.done', { output_index: outputIndex, item }),
    ];
  }

  function append(kind: 'reasoning' | 'message', delta: string): ResponsesEvent[] {
    const events: ResponsesEvent[] = [];
    if (open?.item.type !== kind) {
      events.push(...close());
      const item: OutputItem =
        kind === 'reasoning'
          ? { type: 'reasoning', id: context.newId('rs'), summary: [] }
          : { type: 'message', id: context.newId('msg'), status: 'in_progress', role: 'assistant', content: [] };
      output.push(item);
      open = { item, text: '' };
      const outputIndex = output.length - 1;
      events.push(event('response.output_item.added', { output_index: outputIndex, item: { ...item } }));
      events.push(
        kind === 'reasoning'
          ? event('response.reasoning_summary_part.added', { item_id: item.id, output_index: outputIndex, summary_index: 0, part: { type: 'summary_text', text: '' } })
          : event('response.content_part.added', { item_id: item.id, output_index: outputIndex, content_index: 0, part: { type: 'output_text', text: '', annotations: [], logprobs: [] } }),
      );
    }
    const current = open as { item: OutputItem; text: string };
    current.text += delta;
    const fields = { item_id: current.item.id, output_index: output.indexOf(current.item), delta };
    events.push(
      kind === 'reasoning'
        ? event('response.reasoning_summary_text.delta', { ...fields, summary_index: 0 })
        : event('response.output_text.delta', { ...fields, content_index: 0, logprobs: [] }),
    );
    return events;
  }

  function toolCall(name: string, argumentText: string): ResponsesEvent[] {
    const events = close();
    hasToolCalls = true;
    const item: OutputItem = { type: 'function_call', id: context.newId('fc'), call_id: context.newId('call'), name, arguments: '', status: 'in_progress' };
    output.push(item);
    const outputIndex = output.length - 1;
    events.push(event('response.output_item.added', { output_index: outputIndex, item: { ...item } }));
    // Ollama sends a call whole, so its arguments are one delta.
    events.push(event('response.function_call_arguments.delta', { item_id: item.id, output_index: outputIndex, delta: argumentText }));
    events.push(event('response.function_call_arguments.done', { item_id: item.id, output_index: outputIndex, name, arguments: argumentText }));
    Object.assign(item, { arguments: argumentText, status: 'completed' });
    events.push(event('response.output_item.done', { output_index: outputIndex, item }));
    return events;
  }

  const status = (): 'completed' | 'incomplete' => (done?.done_reason === 'length' && !hasToolCalls ? 'incomplete' : 'completed');

  return {
    start: () => [event('response.created', { response: responseObject('in_progress') }), event('response.in_progress', { response: responseObject('in_progress') })],
    push(chunk) {
      const events: ResponsesEvent[] = [];
      const { thinking, content, tool_calls: calls } = chunk.message;
      if (thinking) events.push(...append('reasoning', thinking));
      if (content) events.push(...append('message', content));
      for (const call of calls ?? []) events.push(...toolCall(call.function.name, JSON.stringify(call.function.arguments ?? {})));
      if (chunk.done) done = chunk;
      return events;
    },
    reasoning: (text) => append('reasoning', text),
    finish(extra) {
      const events = close();
      events.push(event(status() === 'completed' ? 'response.completed' : 'response.incomplete', { response: responseObject(status(), extra) }));
      return events;
    },
    fail(error) {
      const { message, type, code, param } = error;
      return [
        ...close(),
        event('error', { code, message, param, error: { type, code, message, param } }),
        event('response.failed', { response: responseObject('failed', { error: { code: code ?? 'server_error', message } }) }),
      ];
    },
    response(extra) {
      close();
      // `sequence_number` belongs to events; the object itself has none.
      return responseObject(status(), extra);
    },
  };
}
