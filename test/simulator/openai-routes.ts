/** The OpenAI `/v1` routes, beside the native ones in server.ts, as real Ollama serves both. */
import type { RouteHandler } from './exchange.js';
import { handleOpenAiChat } from './openai-chat.js';
import { handleOpenAiCompletions } from './openai-completions.js';
import { handleOpenAiEmbeddings } from './openai-embeddings.js';
import { handleOpenAiModel, handleOpenAiModels } from './openai-models.js';

export const OPENAI_ROUTES: Record<string, Partial<Record<string, RouteHandler>>> = {
  '/v1/chat/completions': { POST: handleOpenAiChat },
  '/v1/completions': { POST: handleOpenAiCompletions },
  '/v1/embeddings': { POST: handleOpenAiEmbeddings },
  '/v1/models': { GET: handleOpenAiModels },
};

/** `/v1/models/:model`: gin matches one path segment only. */
export function openAiParamRoute(path: string): Partial<Record<string, RouteHandler>> | undefined {
  const rest = path.startsWith('/v1/models/') ? path.slice('/v1/models/'.length) : undefined;
  return rest !== undefined && rest !== '' && !rest.includes('/') ? { GET: handleOpenAiModel } : undefined;
}
