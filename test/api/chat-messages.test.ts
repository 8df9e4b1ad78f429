import { describe, expect, it } from 'vitest';
import { contentText, parseChatMessages, parseToolArguments, toOllamaMessages } from '../../src/api/chat/chat-messages.js';
import type { OpenAIChatMessage } from '../../src/types/openai.js';
import { expectInvalid } from './expect-invalid.js';

const PNG = 'iVBORw0KGgo=';

function convert(messages: unknown): ReturnType<typeof toOllamaMessages> {
  return toOllamaMessages(parseChatMessages(messages));
}

describe('parseChatMessages', () => {
  it('requires a non-empty array', () => {
    expectInvalid(() => parseChatMessages(undefined), 'messages', "'messages' must be a non-empty array.");
    expectInvalid(() => parseChatMessages(null), 'messages', "'messages' must be a non-empty array.");
    expectInvalid(() => parseChatMessages([]), 'messages', "'messages' must be a non-empty array.");
    expectInvalid(() => parseChatMessages('hi'), 'messages', /expected an array, but got a string/);
    expectInvalid(() => parseChatMessages(['hi']), 'messages[0]', /expected an object/);
  });

  it('names an unknown role and its path', () => {
    const error = expectInvalid(
      () => parseChatMessages([{ role: 'user', content: 'a' }, { role: 'function', content: 'b' }]),
      'messages[1].role',
      /'function'/,
    );
    expect(error.message).toContain("'developer'");
    expectInvalid(() => parseChatMessages([{ content: 'a' }]), 'messages[0].role', /Missing required parameter/);
  });

  it('accepts null content only for an assistant that calls tools', () => {
    const call = { id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } };
    const [message] = parseChatMessages([{ role: 'assistant', content: null, tool_calls: [call] }]);
    expect(message?.content).toBeNull();
    expectInvalid(() => parseChatMessages([{ role: 'user', content: null }]), 'messages[0].content', /Missing required parameter/);
    expectInvalid(() => parseChatMessages([{ role: 'assistant' }]), 'messages[0].content');
    expectInvalid(() => parseChatMessages([{ role: 'user', content: 5 }]), 'messages[0].content', /expected a string or an array/);
  });

  it('drops unknown message fields and does not mutate the input', () => {
    const input = [{ role: 'user', content: 'hi', copilot_cache_control: { type: 'ephemeral' } }];
    const snapshot = structuredClone(input);
    const [message] = parseChatMessages(input);
    expect(message).toEqual({ role: 'user', content: 'hi' });
    expect(input).toEqual(snapshot);
  });

  it('rejects other part types by name, with the path', () => {
    expectInvalid(
      () => parseChatMessages([{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'input_audio', input_audio: {} }] }]),
      'messages[0].content[1].type',
      "Unsupported content part type 'input_audio'; supported types are 'text' and 'image_url'.",
    );
    expectInvalid(() => parseChatMessages([{ role: 'user', content: [{ type: 'text' }] }]), 'messages[0].content[0].text');
  });

  it('rejects http image URLs and bad data URLs at the image path', () => {
    expectInvalid(
      () => parseChatMessages([{ role: 'user', content: 'x' }, { role: 'user', content: [{ type: 'image_url', image_url: 'https://example.com/cat.png' }] }]),
      'messages[1].content[0].image_url',
      'Image URLs are not supported by a local model server; send the image as a base64 data: URL.',
    );
    expectInvalid(
      () => parseChatMessages([{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/tiff;base64,AAAA' } }] }]),
      'messages[0].content[0].image_url.url',
      /Invalid image URL/,
    );
    expectInvalid(() => parseChatMessages([{ role: 'user', content: [{ type: 'image_url' }] }]), 'messages[0].content[0].image_url');
  });

  it('validates tool-call arguments as a JSON object', () => {
    const message = (argumentsValue: unknown): unknown[] => [
      { role: 'assistant', content: '', tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } }, { id: 'b', type: 'function', function: { name: 'g', arguments: argumentsValue } }] },
    ];
    expectInvalid(() => parseChatMessages(message('{nope')), 'messages[0].tool_calls[1].function.arguments', /Invalid JSON/);
    expectInvalid(() => parseChatMessages(message('[1,2]')), 'messages[0].tool_calls[1].function.arguments', /must encode a JSON object, but it encodes an array/);
    expectInvalid(() => parseChatMessages(message(42)), 'messages[0].tool_calls[1].function.arguments');
    expectInvalid(
      () => parseChatMessages([{ role: 'assistant', tool_calls: [{ id: 'a', type: 'function', function: { arguments: '{}' } }] }]),
      'messages[0].tool_calls[0].function.name',
    );
  });
});

describe('toOllamaMessages', () => {
  it('maps developer to system and keeps the other roles', () => {
    expect(
      convert([
        { role: 'developer', content: 'rules' },
        { role: 'system', content: 'more' },
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
      ]),
    ).toEqual([
      { role: 'system', content: 'rules' },
      { role: 'system', content: 'more' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
    ]);
  });

  it('joins text parts into one message and moves data-URL images to images', () => {
    const messages = convert([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'first' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}`, detail: 'high' } },
          { type: 'text', text: 'second' },
          { type: 'image_url', image_url: `data:image/jpeg;base64,${PNG}` },
        ],
      },
    ]);
    expect(messages).toEqual([{ role: 'user', content: 'first\nsecond', images: [PNG, PNG] }]);
  });

  it('turns assistant tool calls into objects and reasoning into thinking', () => {
    const messages = convert([
      { role: 'user', content: 'weather?' },
      {
        role: 'assistant',
        content: null,
        reasoning_content: 'need the tool',
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '20C' },
      { role: 'assistant', content: 'It is 20C.', reasoning: 'read the result' },
    ]);
    expect(messages[1]).toEqual({
      role: 'assistant',
      content: '',
      thinking: 'need the tool',
      tool_calls: [{ id: 'call_1', function: { name: 'get_weather', arguments: { city: 'Tokyo' } } }],
    });
    expect(messages[2]).toEqual({ role: 'tool', content: '20C', tool_call_id: 'call_1', tool_name: 'get_weather' });
    expect(messages[3]).toEqual({ role: 'assistant', content: 'It is 20C.', thinking: 'read the result' });
  });

  it('prefers the tool message name over the looked-up one, and tolerates unknown ids', () => {
    const messages = convert([
      { role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'a', arguments: '' } }] },
      { role: 'tool', tool_call_id: 'call_1', name: 'explicit', content: 'x' },
      { role: 'tool', tool_call_id: 'call_9', content: [{ type: 'text', text: 'y' }] },
    ]);
    expect(messages[0]?.tool_calls?.[0]?.function.arguments).toEqual({});
    expect(messages[1]).toEqual({ role: 'tool', content: 'x', tool_call_id: 'call_1', tool_name: 'explicit' });
    expect(messages[2]).toEqual({ role: 'tool', content: 'y', tool_call_id: 'call_9' });
  });

  it('only looks tool names up from earlier assistant turns', () => {
    const messages = convert([
      { role: 'tool', tool_call_id: 'later', content: 'x' },
      { role: 'assistant', tool_calls: [{ id: 'later', type: 'function', function: { name: 'f', arguments: '{}' } }] },
    ]);
    expect(messages[0]?.tool_name).toBeUndefined();
  });

  it('accepts object arguments from lenient clients and re-encodes them', () => {
    const [message] = parseChatMessages([{ role: 'assistant', tool_calls: [{ id: 'c', function: { name: 'f', arguments: { a: 1 } } }] }]);
    expect(message?.tool_calls?.[0]?.function.arguments).toBe('{"a":1}');
  });
});

describe('helpers', () => {
  it('contentText joins text parts', () => {
    const content: OpenAIChatMessage['content'] = [
      { type: 'text', text: 'a' },
      { type: 'image_url', image_url: 'data:image/png;base64,AAAA' },
      { type: 'text', text: 'b' },
    ];
    expect(contentText(content)).toBe('a\nb');
    expect(contentText(null)).toBe('');
  });

  it('parseToolArguments reads blank as no arguments', () => {
    expect(parseToolArguments('  ', 'p')).toEqual({});
    expect(parseToolArguments('{"x":[1]}', 'p')).toEqual({ x: [1] });
    expectInvalid(() => parseToolArguments('"text"', 'p'), 'p', /encodes a string/);
  });
});
