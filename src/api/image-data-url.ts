/**
 * OpenAI image parts carry a URL; Ollama wants the raw base64 bytes (no `data:` prefix, standard
 * alphabet, padded: anything else is a 400 "illegal base64 data" upstream, docs/reference/ollama-protocol.md §3.1).
 * Checking here lets the client see which part was wrong instead of Ollama's byte offset.
 */
import { InvalidRequestError } from '../utils/errors.js';

const DATA_URL_PREFIX = /^data:image\/(?:png|jpeg|jpg|webp|gif);base64,/i;
const BASE64_BODY = /^[A-Za-z0-9+/]+$/;

/** The raw base64 of a `data:image/…;base64,` URL; `param` names the field in errors. */
export function imageDataFromUrl(url: string, param: string): string {
  if (/^https?:\/\//i.test(url)) {
    throw new InvalidRequestError(
      'Image URLs are not supported by a local model server; send the image as a base64 data: URL.',
      param,
      'image_url_not_supported',
    );
  }
  const prefix = DATA_URL_PREFIX.exec(url);
  if (prefix === null) {
    throw new InvalidRequestError(
      "Invalid image URL: expected 'data:image/<png|jpeg|webp|gif>;base64,<data>'.",
      param,
      'invalid_image_url',
    );
  }
  // Some encoders wrap base64 at 76 columns; the line breaks are not data.
  const body = url.slice(prefix[0].length).replace(/\s+/g, '');
  const unpadded = body.replace(/={1,2}$/, '');
  if (unpadded === '' || !BASE64_BODY.test(unpadded) || unpadded.length % 4 === 1) {
    throw new InvalidRequestError('Invalid image data: the data: URL does not contain valid base64.', param, 'invalid_image_data');
  }
  // Go's decoder requires padding; unpadded base64 is common from browsers and other languages.
  const remainder = unpadded.length % 4;
  return remainder === 0 ? unpadded : unpadded + '='.repeat(4 - remainder);
}
