/** POST /api/embed (protocol §6.1) and the legacy POST /api/embeddings (§6.2). */
import { decodeRequest, EMBED_REQUEST, EMBEDDINGS_REQUEST } from './decode.js';
import { deliver, type Answer } from './delivery.js';
import type { Exchange, SimulatorCore } from './exchange.js';
import type { CatalogModel } from './models.js';
import { readKeepAlive, readOptions } from './request-fields.js';
import { countWords, splitTokens } from './tokens.js';
import type { Fault } from './types.js';
import { embedText, float32, normalise } from './vectors.js';
import { goQuote, sendError } from './wire.js';

/** The legacy endpoint's vectors are not normalised; a constant scale keeps them comparable. */
export const LEGACY_EMBEDDING_SCALE = 10;

const LOAD_NS = 1_000_000;
const NS_PER_TOKEN = 250_000;

function notInstalled(model: string): string {
  return `model ${goQuote(model)} not found, try pulling it first`;
}

function bodyAnswer(body: object, fault: Fault | undefined, core: SimulatorCore, delayed: boolean): Answer {
  const line = (): object => body;
  const firstDelayMs = delayed ? core.settings.firstTokenLatencyMs : 0;
  return { streaming: false, chunks: [], final: line, whole: line, firstDelayMs, stepDelayMs: 0, fault, hasDone: false };
}

/** undefined for an input of the wrong type; "" and absent mean "just load the model". */
function readInput(input: unknown): string[] | undefined {
  if (input === undefined || input === null) return [];
  if (typeof input === 'string') return input === '' ? [] : [input];
  if (Array.isArray(input) && input.every((item) => typeof item === 'string')) return input as string[];
  return undefined;
}

function vectorFor(text: string, model: CatalogModel, dimensions: unknown): number[] {
  const full = embedText(text, model.embeddingLength);
  // `dimensions` 0 < d < len truncates and re-normalises; anything else is ignored.
  const wanted = typeof dimensions === 'number' && dimensions > 0 && dimensions < full.length ? dimensions : full.length;
  return normalise(full.slice(0, wanted)).map(float32);
}

export async function handleEmbed(exchange: Exchange, core: SimulatorCore): Promise<void> {
  const { response } = exchange;
  const decoded = decodeRequest(exchange.bodyText, EMBED_REQUEST);
  if (!decoded.ok) return sendError(response, 400, decoded.message);
  const body = decoded.value;
  const keepAlive = readKeepAlive(body.keep_alive);
  if (!keepAlive.ok) return sendError(response, 400, keepAlive.message);
  const inputs = readInput(body.input);
  if (inputs === undefined) return sendError(response, 400, 'invalid input type');

  const requested = typeof body.model === 'string' ? body.model : '';
  if (requested.trim() === '') return sendError(response, 404, `model '${requested}' not found`);
  const model = core.catalog.find(requested);
  if (model === undefined) return sendError(response, 404, notInstalled(requested));
  const options = readOptions(body.options);
  if (!options.ok) return sendError(response, 500, options.message);

  const fault = core.currentFault();
  if (inputs.length === 0) return deliver(exchange, bodyAnswer({ model: requested, embeddings: [] }, fault, core, false));

  const truncate = body.truncate !== false;
  const texts: string[] = [];
  for (const input of inputs) {
    const tokens = splitTokens(input);
    if (tokens.length > model.contextLength && !truncate) {
      return sendError(response, 400, 'the input length exceeds the context length');
    }
    texts.push(tokens.slice(0, model.contextLength).join(''));
  }
  const promptEvalCount = texts.reduce((total, text) => total + Math.max(1, countWords(text)), 0);
  const embedBody = {
    model: requested,
    embeddings: texts.map((text) => vectorFor(text, model, body.dimensions)),
    total_duration: LOAD_NS + core.settings.firstTokenLatencyMs * 1_000_000 + promptEvalCount * NS_PER_TOKEN,
    load_duration: LOAD_NS,
    prompt_eval_count: promptEvalCount,
  };
  return deliver(exchange, bodyAnswer(embedBody, fault, core, true));
}

export async function handleEmbeddings(exchange: Exchange, core: SimulatorCore): Promise<void> {
  const { response } = exchange;
  const decoded = decodeRequest(exchange.bodyText, EMBEDDINGS_REQUEST);
  if (!decoded.ok) return sendError(response, 400, decoded.message);
  const body = decoded.value;
  const keepAlive = readKeepAlive(body.keep_alive);
  if (!keepAlive.ok) return sendError(response, 400, keepAlive.message);

  const requested = typeof body.model === 'string' ? body.model : '';
  if (requested.trim() === '') return sendError(response, 400, 'model is required');
  const model = core.catalog.find(requested);
  if (model === undefined) return sendError(response, 404, notInstalled(requested));
  const options = readOptions(body.options);
  if (!options.ok) return sendError(response, 500, options.message);

  const fault = core.currentFault();
  const prompt = typeof body.prompt === 'string' ? body.prompt : '';
  if (prompt === '') return deliver(exchange, bodyAnswer({ embedding: [] }, fault, core, false));
  const embedding = embedText(prompt, model.embeddingLength).map((value) => value * LEGACY_EMBEDDING_SCALE);
  return deliver(exchange, bodyAnswer({ embedding }, fault, core, true));
}
