/** GET /v1/models and GET /v1/models/{id}: the pipeline's virtual models and the backend's installed models, in OpenAI's shape. */
import { toOpenAIModel } from './model-mapping.js';
import type { RequestContext } from '../server/context.js';
import { sendJson } from '../server/error-response.js';
import type { OpenAIModel, OpenAIModelList } from '../types/openai.js';

/** Virtual models are listed first, so a client's model picker shows the pipeline on top. */
export async function handleListModels(context: RequestContext): Promise<void> {
  const { app, signal } = context;
  const models = await app.models.list(signal);
  const virtual = (await app.pipeline.virtualModelIds(signal)).map((id) => virtualModel(id, app.startedAt));
  // `data` is always an array: Ollama's own /v1 sends null for an empty list, which breaks clients.
  const body: OpenAIModelList = { object: 'list', data: [...virtual, ...models.map(toOpenAIModel)] };
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
