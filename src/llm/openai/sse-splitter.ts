/**
 * Server-sent events cut from raw bytes, as the HTML standard's "event stream interpretation"
 * (§9.2.6) reads them: UTF-8 decoded with `{stream: true}` (a character may be split across
 * pieces), lines ended by CRLF, LF or CR, comments (`:`) ignored, `data` lines of one event joined
 * with "\n", and an event dispatched by a blank line. Bounded: neither a line nor an event's data
 * may grow past `maxEventChars`. Pure and incremental like the NDJSON splitter; JSON is parsed by
 * the caller, which also decides what `data: [DONE]` means.
 */
import { UpstreamProtocolError } from '../../utils/errors.js';

export interface SseEvent {
  /** The `event` field; "message" when the event had none. */
  event: string;
  data: string;
}

export interface SseSplitter {
  /** Appends each event completed by this piece to `events`. Throws on an overlong line or event. */
  push(piece: Uint8Array, events: SseEvent[]): void;
  /** The body has ended. */
  end(events: SseEvent[]): void;
}

const DEFAULT_MAX_EVENT_CHARS = 16 * 1024 * 1024;
const LINE_FEED = 10;
const CARRIAGE_RETURN = 13;

export function createSseSplitter(options: { maxEventChars?: number } = {}): SseSplitter {
  const maxEventChars = options.maxEventChars ?? DEFAULT_MAX_EVENT_CHARS;
  const decoder = new TextDecoder('utf-8');
  let pending = '';
  let data: string[] = [];
  let dataChars = 0;
  let eventType = '';
  let atStart = true;

  const dispatch = (events: SseEvent[]): void => {
    // "If the data buffer is an empty string, set the data buffer and the event type buffer to the empty string and return."
    if (data.length > 0) events.push({ event: eventType === '' ? 'message' : eventType, data: data.join('\n') });
    data = [];
    dataChars = 0;
    eventType = '';
  };

  const line = (text: string, events: SseEvent[]): void => {
    if (text === '') return dispatch(events);
    // "If the line starts with a U+003A COLON character (:), ignore the line."
    if (text.charCodeAt(0) === 0x3a) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    // "If value starts with a U+0020 SPACE character, remove it from value."
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    if (field === 'data') {
      dataChars += value.length + 1;
      if (dataChars > maxEventChars) throw tooLong(maxEventChars);
      data.push(value);
    } else if (field === 'event') {
      eventType = value;
    }
    // `id` and `retry` steer a browser's reconnection, which a one-shot exchange never does.
  };

  /** Cuts the complete lines out of `pending`; `final`: a trailing CR ends its line too. */
  const lines = (events: SseEvent[], final: boolean): void => {
    let start = 0;
    for (let index = 0; index < pending.length; index++) {
      const code = pending.charCodeAt(index);
      if (code !== LINE_FEED && code !== CARRIAGE_RETURN) continue;
      if (code === CARRIAGE_RETURN && index === pending.length - 1 && !final) break; // an LF may follow in the next piece
      line(pending.slice(start, index), events);
      if (code === CARRIAGE_RETURN && pending.charCodeAt(index + 1) === LINE_FEED) index += 1;
      start = index + 1;
    }
    pending = start === 0 ? pending : pending.slice(start);
    if (pending.length > maxEventChars) throw tooLong(maxEventChars);
  };

  return {
    push(piece, events) {
      let text = decoder.decode(piece, { stream: true });
      if (atStart && text.length > 0) {
        atStart = false;
        // "The UTF-8 decode algorithm strips one leading UTF-8 Byte Order Mark (BOM), if any."
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      }
      pending += text;
      lines(events, false);
    },
    end(events) {
      pending += decoder.decode();
      lines(events, true);
      if (pending !== '') line(pending, events);
      pending = '';
      // The standard drops an event the stream ended inside; servers that omit the last blank
      // line (after `data: [DONE]`, say) still meant it, so it is dispatched.
      dispatch(events);
    },
  };
}

function tooLong(limit: number): UpstreamProtocolError {
  return new UpstreamProtocolError(`The backend sent a server-sent event longer than the ${limit}-character limit; refusing to buffer more of it.`);
}
