import { describe, expect, it } from 'vitest';
import { imageDataFromUrl } from '../../src/api/image-data-url.js';
import { expectInvalid } from './expect-invalid.js';

describe('imageDataFromUrl', () => {
  it('strips the prefix of every supported image type', () => {
    for (const type of ['png', 'jpeg', 'jpg', 'webp', 'gif', 'PNG']) {
      expect(imageDataFromUrl(`data:image/${type};base64,iVBORw0KGgo=`, 'p')).toBe('iVBORw0KGgo=');
    }
  });

  it('removes line breaks and restores missing padding', () => {
    expect(imageDataFromUrl('data:image/png;base64,iVBO\nRw0KGgo', 'p')).toBe('iVBORw0KGgo=');
    expect(imageDataFromUrl('data:image/png;base64,QQ', 'p')).toBe('QQ==');
  });

  it('refuses http(s) URLs with the local-server explanation', () => {
    expectInvalid(
      () => imageDataFromUrl('http://example.com/a.png', 'x.image_url'),
      'x.image_url',
      'Image URLs are not supported by a local model server; send the image as a base64 data: URL.',
    );
  });

  it('refuses other schemes, other media types and bad base64', () => {
    expectInvalid(() => imageDataFromUrl('file:///tmp/a.png', 'p'), 'p', /Invalid image URL/);
    expectInvalid(() => imageDataFromUrl('data:image/svg+xml;base64,AAAA', 'p'), 'p', /Invalid image URL/);
    expectInvalid(() => imageDataFromUrl('data:image/png;base64,', 'p'), 'p', /Invalid image data/);
    expectInvalid(() => imageDataFromUrl('data:image/png;base64,ab$c', 'p'), 'p', /Invalid image data/);
    expectInvalid(() => imageDataFromUrl('data:image/png;base64,abcde', 'p'), 'p', /Invalid image data/);
  });
});
