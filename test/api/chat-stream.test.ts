import { describe, expect, it } from 'vitest';
import { createChatChunkStream } from '../../src/api/chat/chat-stream.js';
import type { OpenAIChatCompletionChunk } from '../../src/types/openai.js';
import type { OllamaChatResponse, OllamaToolCall } from '../../src/types/ollama.js';

const HEAD = '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"my-model"';

function stream(includeUsage: boolean): ReturnType<typeof createChatChunkStream> {
  let next = 0;
  return createChatChunkStream({ id: 'chatcmpl-1', created: 1700000000, model: 'my-model', newToolCallId: () => `call_${++next}`, includeUsage });
}

function native(message: { content?: string; thinking?: string; tool_calls?: OllamaToolCall[] }, done = false, extra: Partial<OllamaChatResponse> = {}): OllamaChatResponse {
  return { model: 'llama3.2', created_at: '2025-10-26T17:15:24Z', message: { role: 'assistant', content: '', ...message }, done, ...extra };
}

const DONE = { done_reason: 'stop', prompt_eval_count: 26, eval_count: 2 };

/** Runs a whole native stream and returns the SSE frames a client would receive, [DONE] aside. */
function frames(converter: ReturnType<typeof stream>, chunks: OllamaChatResponse[]): string {
  const events: OpenAIChatCompletionChunk[] = [converter.start()];
  for (const chunk of chunks) events.push(...converter.push(chunk));
  events.push(...converter.finish());
  return events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join('');
}

function frame(choices: string, usage?: string): string {
  return `data: ${HEAD},"choices":${choices}${usage === undefined ? '' : `,"usage":${usage}`}}\n\n`;
}

function choice(delta: string, finishReason = 'null'): string {
  return `[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finishReason}}]`;
}

describe('createChatChunkStream', () => {
  it('streams content with a usage chunk when asked', () => {
    const output = frames(stream(true), [native({ content: 'The' }), native({ content: ' sky' }), native({ content: '' }, true, DONE)]);
    expect(output).toBe(
      frame(choice('{"role":"assistant","content":""}')) +
        frame(choice('{"content":"The"}')) +
        frame(choice('{"content":" sky"}')) +
        frame(choice('{}', '"stop"')) +
        frame('[]', '{"prompt_tokens":26,"completion_tokens":2,"total_tokens":28}'),
    );
  });

  it('sends no usage chunk and no usage key without include_usage', () => {
    const output = frames(stream(false), [native({ content: 'Hi' }), native({}, true, DONE)]);
    expect(output).toBe(frame(choice('{"role":"assistant","content":""}')) + frame(choice('{"content":"Hi"}')) + frame(choice('{}', '"stop"')));
    expect(output).not.toContain('usage');
  });

  it('splits a chunk with thinking and content into two, reasoning first', () => {
    const output = frames(stream(false), [
      native({ thinking: 'Okay,' }),
      native({ thinking: ' count', content: 'There are' }),
      native({ content: ' three.' }),
      native({}, true, DONE),
    ]);
    expect(output).toBe(
      frame(choice('{"role":"assistant","content":""}')) +
        frame(choice('{"reasoning_content":"Okay,"}')) +
        frame(choice('{"reasoning_content":" count"}')) +
        frame(choice('{"content":"There are"}')) +
        frame(choice('{"content":" three."}')) +
        frame(choice('{}', '"stop"')),
    );
  });

  it('streams tool calls from a done:false chunk, one delta per call, and finishes with tool_calls', () => {
    const output = frames(stream(true), [
      native({
        tool_calls: [
          { id: 'call_k3j2l1m0', function: { index: 0, name: 'get_weather', arguments: { city: 'Tokyo' } } },
          { function: { index: 1, name: 'get_time', arguments: {} } },
        ],
      }),
      native({}, true, { done_reason: 'stop', prompt_eval_count: 169, eval_count: 15 }),
    ]);
    expect(output).toBe(
      frame(choice('{"role":"assistant","content":""}')) +
        frame(choice('{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Tokyo\\"}"}}]}')) +
        frame(choice('{"tool_calls":[{"index":1,"id":"call_2","type":"function","function":{"name":"get_time","arguments":"{}"}}]}')) +
        frame(choice('{}', '"tool_calls"')) +
        frame('[]', '{"prompt_tokens":169,"completion_tokens":15,"total_tokens":184}'),
    );
  });

  it('streams content, then tool calls carried by the done chunk, with a running index', () => {
    const converter = stream(false);
    const output = frames(converter, [
      native({ tool_calls: [{ function: { name: 'a', arguments: {} } }] }),
      native({ content: 'Checking.', tool_calls: [{ function: { name: 'b', arguments: { x: 1 } } }] }, true, DONE),
    ]);
    expect(output).toBe(
      frame(choice('{"role":"assistant","content":""}')) +
        frame(choice('{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"a","arguments":"{}"}}]}')) +
        frame(choice('{"content":"Checking."}')) +
        frame(choice('{"tool_calls":[{"index":1,"id":"call_2","type":"function","function":{"name":"b","arguments":"{\\"x\\":1}"}}]}')) +
        frame(choice('{}', '"tool_calls"')),
    );
  });

  it('keeps length as the finish reason', () => {
    const output = frames(stream(false), [native({ content: 'cut' }), native({ content: ' off' }, true, { done_reason: 'length', eval_count: 2 })]);
    expect(output.endsWith(frame(choice('{}', '"length"')))).toBe(true);
    expect(output).toContain(frame(choice('{"content":" off"}')));
  });

  it('finishes with stop and zero usage if the done chunk never came', () => {
    const converter = stream(true);
    expect(converter.finish().map((event) => JSON.stringify(event)).join('\n')).toBe(
      `${HEAD},"choices":${choice('{}', '"stop"')}}\n${HEAD},"choices":[],"usage":{"prompt_tokens":0,"completion_tokens":0,"total_tokens":0}}`,
    );
  });

  it('makes reasoning chunks for pipeline progress', () => {
    expect(JSON.stringify(stream(false).reasoning('Planning…'))).toBe(`${HEAD},"choices":${choice('{"reasoning_content":"Planning…"}')}}`);
  });

  it('gives every chunk the same id, created and model, and no usage key', () => {
    const converter = stream(true);
    const events = [converter.start(), ...converter.push(native({ content: 'a', thinking: 'b' }, true, DONE)), ...converter.finish()];
    for (const event of events) {
      expect([event.id, event.object, event.created, event.model]).toEqual(['chatcmpl-1', 'chat.completion.chunk', 1700000000, 'my-model']);
    }
    expect(events.slice(0, -1).every((event) => !('usage' in event))).toBe(true);
  });
});

describe('streamed logprobs', () => {
  it('ride on the content delta of the native chunk that carried them', () => {
    const converter = stream(false);
    converter.start();
    const [chunk] = converter.push(native({ content: 'I' }, false, { logprobs: [{ token: 'I', logprob: -0.5, bytes: [73], top_logprobs: [{ token: 'I', logprob: -0.5, bytes: [73] }] }] }));
    expect(chunk!.choices[0]!.logprobs).toEqual({ content: [{ token: 'I', logprob: -0.5, bytes: [73], top_logprobs: [{ token: 'I', logprob: -0.5, bytes: [73] }] }], refusal: null });
    const [plain] = converter.push(native({ content: '!' }));
    expect(plain!.choices[0]!.logprobs).toBeNull();
  });
});
