import { describe, expect, it } from 'vitest';
import { encodeFloat32Base64, parseEmbeddingRequest, toEmbeddingResponse, toOllamaEmbedRequest } from '../../src/api/embedding-mapping.js';
import { expectInvalid } from './expect-invalid.js';

function decode(base64: string): number[] {
  const bytes = Buffer.from(base64, 'base64');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values: number[] = [];
  for (let offset = 0; offset < bytes.byteLength; offset += 4) values.push(view.getFloat32(offset, true));
  return values;
}

describe('parseEmbeddingRequest', () => {
  it('accepts a string or an array of strings, float by default', () => {
    expect(parseEmbeddingRequest({ model: 'm', input: 'hello' })).toEqual({ model: 'm', input: 'hello', encoding_format: 'float' });
    expect(parseEmbeddingRequest({ model: 'm', input: ['a', 'b'], encoding_format: 'base64', dimensions: 256, user: 'u' })).toEqual({
      model: 'm',
      input: ['a', 'b'],
      encoding_format: 'base64',
      dimensions: 256,
      user: 'u',
    });
    expect(parseEmbeddingRequest({ model: 'm', input: 'x', encoding_format: null }).encoding_format).toBe('float');
  });

  it('refuses token input with the text-itself advice', () => {
    expectInvalid(() => parseEmbeddingRequest({ model: 'm', input: [1, 2, 3] }), 'input', 'Token-array input is not supported; send the text itself.');
    expectInvalid(() => parseEmbeddingRequest({ model: 'm', input: [[1, 2], [3]] }), 'input', 'Token-array input is not supported; send the text itself.');
  });

  it('refuses missing, empty and mistyped input', () => {
    expectInvalid(() => parseEmbeddingRequest({ model: 'm' }), 'input');
    expectInvalid(() => parseEmbeddingRequest({ model: 'm', input: [] }), 'input');
    expectInvalid(() => parseEmbeddingRequest({ model: 'm', input: '' }), 'input');
    expectInvalid(() => parseEmbeddingRequest({ model: 'm', input: ['a', ''] }), 'input[1]');
    expectInvalid(() => parseEmbeddingRequest({ model: 'm', input: ['a', { text: 'b' }] }), 'input[1]');
    expectInvalid(() => parseEmbeddingRequest({ model: 'm', input: 5 }), 'input');
  });

  it('names the supported encodings and checks dimensions', () => {
    expectInvalid(
      () => parseEmbeddingRequest({ model: 'm', input: 'x', encoding_format: 'int8' }),
      'encoding_format',
      "Invalid value for 'encoding_format': 'int8'. Supported values are: 'float' and 'base64'.",
    );
    expectInvalid(() => parseEmbeddingRequest({ model: 'm', input: 'x', dimensions: 0 }), 'dimensions');
    expectInvalid(() => parseEmbeddingRequest({ model: 'm', input: 'x', dimensions: 1.5 }), 'dimensions');
  });
});

describe('toOllamaEmbedRequest', () => {
  it('maps input and dimensions only', () => {
    expect(toOllamaEmbedRequest(parseEmbeddingRequest({ model: 'alias', input: ['a'], dimensions: 64, encoding_format: 'base64' }), { model: 'nomic-embed-text' })).toEqual({
      model: 'nomic-embed-text',
      input: ['a'],
      dimensions: 64,
    });
    expect(toOllamaEmbedRequest(parseEmbeddingRequest({ model: 'm', input: 'a' }), { model: 'm' })).toEqual({ model: 'm', input: 'a' });
  });
});

describe('toEmbeddingResponse', () => {
  const native = { model: 'all-minilm', embeddings: [[0.010071029, -0.0017594862], [0.5, -0.25]], prompt_eval_count: 8 };

  it('returns float arrays', () => {
    expect(toEmbeddingResponse(native, { model: 'embed', encodingFormat: 'float' })).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: [0.010071029, -0.0017594862] },
        { object: 'embedding', index: 1, embedding: [0.5, -0.25] },
      ],
      model: 'embed',
      usage: { prompt_tokens: 8, total_tokens: 8 },
    });
  });

  it('returns base64 float32 that decodes back to the rounded values', () => {
    const response = toEmbeddingResponse(native, { model: 'embed', encodingFormat: 'base64' });
    const first = response.data[0]?.embedding;
    expect(typeof first).toBe('string');
    expect(decode(String(first))).toEqual([Math.fround(0.010071029), Math.fround(-0.0017594862)]);
    expect(decode(String(response.data[1]?.embedding))).toEqual([0.5, -0.25]);
  });

  it('reads absent token counts as 0', () => {
    expect(toEmbeddingResponse({ model: 'x', embeddings: [] }, { model: 'x', encodingFormat: 'float' }).usage).toEqual({ prompt_tokens: 0, total_tokens: 0 });
  });
});

describe('encodeFloat32Base64', () => {
  it('writes little-endian float32 bytes', () => {
    expect(encodeFloat32Base64([1])).toBe(Buffer.from([0x00, 0x00, 0x80, 0x3f]).toString('base64'));
    expect(encodeFloat32Base64([])).toBe('');
  });

  it('round-trips as a Float32Array the way openai-node decodes it', () => {
    const vector = Array.from({ length: 384 }, (_, index) => Math.sin(index) / 3);
    const bytes = Buffer.from(encodeFloat32Base64(vector), 'base64');
    const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    expect(Array.from(floats)).toEqual(vector.map((value) => Math.fround(value)));
  });
});
