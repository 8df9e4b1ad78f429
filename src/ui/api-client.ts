/**
 * The page's requests to the API. With RLM_API_KEY set, the first 401 asks for the key once; it is
 * kept in session storage (this tab only, gone when it closes) and sent as a bearer token, never in
 * a URL or a cookie.
 */
const KEY_ITEM = 'rlm-api-key';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export type KeyPrompt = (message: string) => Promise<string | undefined>;

let askForKey: KeyPrompt = async () => undefined;

export function setKeyPrompt(prompt: KeyPrompt): void {
  askForKey = prompt;
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const key = sessionStorage.getItem(KEY_ITEM);
  return key === null ? extra : { ...extra, authorization: `Bearer ${key}` };
}

/** fetch with the key; a 401 asks for the key (again, when the stored one was refused) and retries. */
export async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  for (;;) {
    const response = await fetch(path, { ...init, headers: headers(init.headers as Record<string, string> | undefined) });
    if (response.status !== 401) return response;
    const refused = sessionStorage.getItem(KEY_ITEM) !== null;
    const key = await askForKey(refused ? 'That key was refused. Enter the API key (RLM_API_KEY):' : 'This server needs its API key (RLM_API_KEY):');
    if (key === undefined || key.trim() === '') throw new ApiError(401, 'No API key given.');
    sessionStorage.setItem(KEY_ITEM, key.trim());
  }
}

export async function apiJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await apiFetch(path, init);
  const body = (await response.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
  if (!response.ok) throw new ApiError(response.status, body?.error?.message ?? `HTTP ${response.status}`);
  return body as T;
}

/** Reads an SSE feed over fetch (EventSource cannot send the key), calling `onData` with each parsed `data:` payload. */
export async function followEvents(path: string, onData: (value: unknown) => void, signal: AbortSignal, onOpen: () => void = () => undefined): Promise<void> {
  const response = await apiFetch(path, { signal });
  if (!response.ok || response.body === null) throw new ApiError(response.status, `HTTP ${response.status}`);
  onOpen();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trimStart())
          .join('\n');
        if (data !== '') onData(JSON.parse(data));
      }
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}
