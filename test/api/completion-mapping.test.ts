import { describe, expect, it } from 'vitest';
import { createCompletionChunkStream, parseCompletionRequest, toCompletion, toOllamaGenerateRequest } from '../../src/api/completion-mapping.js';
import type { OllamaGenerateResponse } from '../../src/types/ollama.js';
import { expectInvalid } from './expect-invalid.js';

const SETTINGS = { model: 'qwen2.5-coder:1.5b', stream: true };
const CONTEXT = { id: 'cmpl-1', created: 1700000000, model: 'coder' };
const HEAD = '{"id":"cmpl-1","object":"text_completion","created":1700000000,"model":"coder"';

function native(response: string, done = false, extra: Partial<OllamaGenerateResponse> = {}): OllamaGenerateResponse {
  return { model: 'qwen2.5-coder:1.5b', created_at: '2025-10-26T17:15:24Z', response, done, ...extra };
}

describe('parseCompletionRequest', () => {
  it('accepts a string or an array of exactly one string', () => {
    expect(parseCompletionRequest({ model: 'm', prompt: 'def f(' }).prompt).toBe('def f(');
    expect(parseCompletionRequest({ model: 'm', prompt: ['def f('] }).prompt).toBe('def f(');
  });

  it('refuses batched, token and missing prompts', () => {
    expectInvalid(() => parseCompletionRequest({ model: 'm', prompt: ['a', 'b'] }), 'prompt', 'batched prompts are not supported');
    expectInvalid(() => parseCompletionRequest({ model: 'm', prompt: [1, 2, 3] }), 'prompt', /Token-array prompts are not supported/);
    expectInvalid(() => parseCompletionRequest({ model: 'm', prompt: [[1, 2]] }), 'prompt', /Token-array/);
    expectInvalid(() => parseCompletionRequest({ model: 'm' }), 'prompt', /Missing required parameter/);
    expectInvalid(() => parseCompletionRequest({ model: 'm', prompt: [] }), 'prompt[0]');
    expectInvalid(() => parseCompletionRequest({ prompt: 'x' }), 'model', 'you must provide a model parameter');
  });

  it('refuses n > 1 and echo', () => {
    expectInvalid(() => parseCompletionRequest({ model: 'm', prompt: 'x', n: 3 }), 'n', 'n > 1 is not supported');
    expectInvalid(() => parseCompletionRequest({ model: 'm', prompt: 'x', echo: true }), 'echo');
    expect(parseCompletionRequest({ model: 'm', prompt: 'x', echo: false, n: 1 })).toEqual({ model: 'm', prompt: 'x' });
  });

  it('validates the shared fields as chat does', () => {
    expectInvalid(() => parseCompletionRequest({ model: 'm', prompt: 'x', temperature: 5 }), 'temperature');
    expectInvalid(() => parseCompletionRequest({ model: 'm', prompt: 'x', suffix: 1 }), 'suffix');
    expectInvalid(() => parseCompletionRequest({ model: 'm', prompt: 'x', max_tokens: 0 }), 'max_tokens');
    expect(parseCompletionRequest({ model: 'm', prompt: 'x', stop: '\n\n', stream: true, stream_options: { include_usage: true }, suffix: null, logprobs: null })).toEqual({
      model: 'm',
      prompt: 'x',
      stop: ['\n\n'],
      stream: true,
      stream_options: { include_usage: true },
      logprobs: null,
    });
  });
});

describe('toOllamaGenerateRequest', () => {
  it('sends a prompt without suffix raw, because the client already applied the FIM template', () => {
    const request = parseCompletionRequest({ model: 'm', prompt: '<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>', max_tokens: 64, temperature: 0.2, stop: ['<|endoftext|>'] });
    expect(toOllamaGenerateRequest(request, SETTINGS)).toEqual({
      model: 'qwen2.5-coder:1.5b',
      prompt: '<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>',
      raw: true,
      options: { temperature: 0.2, stop: ['<|endoftext|>'], num_predict: 64 },
      stream: true,
    });
  });

  it('sends a suffix with raw false so that the model template does FIM', () => {
    expect(toOllamaGenerateRequest(parseCompletionRequest({ model: 'm', prompt: 'def f(', suffix: '\n    return x' }), { model: 'c', stream: false })).toEqual({
      model: 'c',
      prompt: 'def f(',
      suffix: '\n    return x',
      raw: false,
      stream: false,
    });
  });

  it('treats an empty suffix as none', () => {
    expect(toOllamaGenerateRequest(parseCompletionRequest({ model: 'm', prompt: 'x', suffix: '' }), SETTINGS).raw).toBe(true);
  });
});

describe('toCompletion', () => {
  it('builds the non-stream answer with usage', () => {
    expect(toCompletion(native('return 1', true, { done_reason: 'stop', prompt_eval_count: 12, eval_count: 3 }), CONTEXT)).toEqual({
      id: 'cmpl-1',
      object: 'text_completion',
      created: 1700000000,
      model: 'coder',
      choices: [{ index: 0, text: 'return 1', logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
    });
    expect(toCompletion(native('x', true, { done_reason: 'length' }), CONTEXT).choices[0]?.finish_reason).toBe('length');
  });
});

describe('createCompletionChunkStream', () => {
  function frames(includeUsage: boolean, chunks: OllamaGenerateResponse[]): string {
    const converter = createCompletionChunkStream({ ...CONTEXT, includeUsage });
    const events = [...chunks.flatMap((chunk) => converter.push(chunk)), ...converter.finish()];
    return events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join('');
  }

  const choice = (text: string, finishReason = 'null'): string => `[{"index":0,"text":${JSON.stringify(text)},"logprobs":null,"finish_reason":${finishReason}}]`;
  const frame = (choices: string, usage?: string): string => `data: ${HEAD},"choices":${choices}${usage === undefined ? '' : `,"usage":${usage}`}}\n\n`;

  it('streams text, then a finish chunk and the usage chunk', () => {
    expect(frames(true, [native('return'), native(' 1'), native('', true, { done_reason: 'stop', prompt_eval_count: 9, eval_count: 2 })])).toBe(
      frame(choice('return')) +
        frame(choice(' 1')) +
        frame(choice('', '"stop"')) +
        frame('[]', '{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}'),
    );
  });

  it('has no usage without include_usage, and reports length', () => {
    const output = frames(false, [native('a'), native('b', true, { done_reason: 'length' })]);
    expect(output).toBe(frame(choice('a')) + frame(choice('b')) + frame(choice('', '"length"')));
  });

  it('ignores thinking and empty chunks', () => {
    expect(frames(false, [native('', false, { thinking: 'hmm' }), native('', true, { done_reason: 'stop' })])).toBe(frame(choice('', '"stop"')));
  });
});
