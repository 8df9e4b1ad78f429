/**
 * GET /v1/models and GET /v1/models/{id}: the pipeline's virtual models and the backend's installed
 * models, in OpenAI's shape. While Ollama is down the list is still a 200: the virtual models and
 * the last installed ones known (installed-models.ts), so rlm stays in model pickers.
 */
import { listModels } from './installed-models.js';
import { toOpenAIModel } from './model-mapping.js';
import type { RequestContext } from '../server/context.js';
import { sendJson } from '../server/error-response.js';
import type { OpenAIModel, OpenAIModelList } from '../types/openai.js';

/** Virtual models are listed first, so a client's model picker shows the pipeline on top. */
export async function handleListModels(context: RequestContext): Promise<void> {
  const { app, signal } = context;
  const { installed, virtualIds } = await listModels(app, signal);
  const virtual = virtualIds.map((id) => virtualModel(id, app.startedAt));
  // `data` is always an array: Ollama's own /v1 sends null for an empty list, which breaks clients.
  const body: OpenAIModelList = { object: 'list', data: [...virtual, ...installed.map(toOpenAIModel)] };
  sendJson(context.response, 200, body);
}

export async function handleRetrieveModel(context: RequestContext): Promise<void> {
  const { app, signal } = context;
  const id = context.params.rest ?? '';
  if ((await app.pipeline.resolveModel(id, signal)) !== undefined) {
    sendJson(context.response, 200, virtualModel(id, app.startedAt));
    return;
  }
  const model = await app.models.require(id, signal);
  sendJson(context.response, 200, { ...toOpenAIModel(model), id });
}

function virtualModel(id: string, startedAt: number): OpenAIModel {
  return { id, object: 'model', created: Math.floor(startedAt / 1000), owned_by: 'rlm' };
}
