import { describe, expect, it } from 'vitest';
import { parseChatRequest, toOllamaChatRequest } from '../../src/api/chat/chat-request.js';
import { fromResponsesBody, isResponsesShaped } from '../../src/api/responses/responses-input.js';
import { expectInvalid } from './expect-invalid.js';

const SETTINGS = { model: 'm', numCtx: 0, stream: true };

describe('isResponsesShaped', () => {
  it('is true only for input without messages', () => {
    expect(isResponsesShaped({ input: 'x' })).toBe(true);
    expect(isResponsesShaped({ input: 'x', messages: null })).toBe(true);
    expect(isResponsesShaped({ input: 'x', messages: [] })).toBe(false);
    expect(isResponsesShaped({ messages: [] })).toBe(false);
  });
});

describe('fromResponsesBody', () => {
  it('converts a full Cursor-style agent turn', () => {
    const body = {
      model: 'local-coder',
      instructions: 'You are a coding agent.',
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'Read a.ts' }, { type: 'input_image', image_url: 'data:image/png;base64,AAAA' }] },
        { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'opaque' },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Reading.', annotations: [] }] },
        { type: 'function_call', call_id: 'call_1', name: 'read_file', arguments: '{"path":"a.ts"}' },
        { type: 'function_call', call_id: 'call_2', name: 'list_dir', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'export {}' },
        { type: 'function_call_output', call_id: 'call_2', output: [{ type: 'input_text', text: 'a.ts' }] },
      ],
      tools: [
        { type: 'function', name: 'read_file', description: 'Read', parameters: { type: 'object', properties: { path: { type: 'string' } } }, strict: false },
        { type: 'function', name: 'list_dir' },
        { type: 'custom', name: 'apply_patch', format: { type: 'grammar' } },
        { type: 'web_search' },
      ],
      reasoning: { effort: 'high', summary: 'auto' },
      max_output_tokens: 500,
      text: { format: { type: 'json_schema', name: 'r', schema: { type: 'object' }, strict: true } },
      store: false,
      stream: true,
      stream_options: { include_usage: true },
    };
    const snapshot = structuredClone(body);
    const chat = fromResponsesBody(body);
    expect(body).toEqual(snapshot);
    expect(chat).toEqual({
      model: 'local-coder',
      store: false,
      stream: true,
      stream_options: { include_usage: true },
      messages: [
        { role: 'system', content: 'You are a coding agent.' },
        { role: 'user', content: [{ type: 'text', text: 'Read a.ts' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
        {
          role: 'assistant',
          content: [{ type: 'text', text: 'Reading.' }],
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'read_file', arguments: '{"path":"a.ts"}' } },
            { id: 'call_2', type: 'function', function: { name: 'list_dir', arguments: '{}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'export {}' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'a.ts' }] },
      ],
      tools: [
        { type: 'function', function: { name: 'read_file', description: 'Read', parameters: { type: 'object', properties: { path: { type: 'string' } } } } },
        { type: 'function', function: { name: 'list_dir' } },
      ],
      reasoning_effort: 'high',
      max_completion_tokens: 500,
      response_format: { type: 'json_schema', json_schema: { name: 'r', schema: { type: 'object' }, strict: true } },
    });
  });

  it('maps the converted body onto Ollama, tool names included', () => {
    const request = toOllamaChatRequest(
      parseChatRequest({
        model: 'm',
        input: [
          { role: 'user', content: 'list' },
          { type: 'function_call', call_id: 'c1', name: 'ls', arguments: '{"dir":"."}' },
          { type: 'function_call_output', call_id: 'c1', output: 'a b' },
        ],
      }),
      SETTINGS,
    );
    expect(request.messages).toEqual([
      { role: 'user', content: 'list' },
      { role: 'assistant', content: '', tool_calls: [{ id: 'c1', function: { name: 'ls', arguments: { dir: '.' } } }] },
      { role: 'tool', content: 'a b', tool_call_id: 'c1', tool_name: 'ls' },
    ]);
  });

  it('turns custom tool calls in the history into function calls with {input}', () => {
    const chat = fromResponsesBody({
      input: [
        { type: 'custom_tool_call', call_id: 'c', name: 'apply_patch', input: '*** Begin Patch' },
        { type: 'custom_tool_call_output', call_id: 'c', output: 'ok' },
      ],
    });
    expect(chat['messages']).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'apply_patch', arguments: '{"input":"*** Begin Patch"}' } }] },
      { role: 'tool', tool_call_id: 'c', content: 'ok' },
    ]);
  });

  it('keeps explicit chat fields over the converted ones', () => {
    const chat = fromResponsesBody({ input: 'x', reasoning_effort: 'low', reasoning: { effort: 'high' }, max_tokens: 5, max_output_tokens: 9 });
    expect(chat['reasoning_effort']).toBe('low');
    expect(chat['max_tokens']).toBe(5);
    expect(chat).not.toHaveProperty('max_completion_tokens');
  });

  it('drops an empty instructions string and maps json_object text formats', () => {
    const chat = fromResponsesBody({ input: 'x', instructions: '', text: { format: { type: 'json_object' } } });
    expect(chat['messages']).toEqual([{ role: 'user', content: 'x' }]);
    expect(chat['response_format']).toEqual({ type: 'json_object' });
  });

  it('reports errors at their input path', () => {
    expectInvalid(() => fromResponsesBody({ input: 42 }), 'input', /expected a string or an array of input items/);
    expectInvalid(() => fromResponsesBody({ input: [{ role: 'robot', content: 'x' }] }), 'input[0].role', /'robot'/);
    expectInvalid(() => fromResponsesBody({ input: [{ type: 'item_reference', id: 'x' }] }), 'input[0].type', /'item_reference'/);
    expectInvalid(
      () => fromResponsesBody({ input: [{ role: 'user', content: 'x' }, { type: 'function_call', call_id: 'c', name: 'f', arguments: '{bad' }] }),
      'input[1].arguments',
      /Invalid JSON/,
    );
    expectInvalid(() => fromResponsesBody({ input: [{ type: 'function_call', name: 'f', arguments: '{}' }] }), 'input[0].call_id');
    expectInvalid(
      () => fromResponsesBody({ input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'https://x/y.png' }] }] }),
      'input[0].content[0].image_url',
      /Image URLs are not supported/,
    );
    expectInvalid(() => fromResponsesBody({ input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'f' }] }] }), 'input[0].content[0].image_url', /File references/);
    expectInvalid(() => fromResponsesBody({ input: [{ role: 'user', content: [{ type: 'input_file', file_data: 'x' }] }] }), 'input[0].content[0].type', /'input_file'/);
    expectInvalid(() => fromResponsesBody({ input: 'x', tools: [{ type: 'function' }] }), 'tools[0].name');
  });
});
