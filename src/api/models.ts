/** GET /v1/models and GET /v1/models/{id}: the backend's installed models in OpenAI's shape. */
import { toOpenAIModel } from './model-mapping.js';
import type { RequestContext } from '../server/context.js';
import { sendJson } from '../server/error-response.js';
import type { OpenAIModelList } from '../types/openai.js';

export async function handleListModels(context: RequestContext): Promise<void> {
  const models = await context.app.models.list(context.signal);
  // `data` is always an array: Ollama's own /v1 sends null for an empty list, which breaks clients.
  const body: OpenAIModelList = { object: 'list', data: models.map(toOpenAIModel) };
  sendJson(context.response, 200, body);
}

export async function handleRetrieveModel(context: RequestContext): Promise<void> {
  const id = context.params.rest ?? '';
  const model = await context.app.models.require(id, context.signal);
  sendJson(context.response, 200, { ...toOpenAIModel(model), id });
}
