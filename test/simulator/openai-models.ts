/**
 * GET /v1/models and GET /v1/models/{model} (reference §10.7): the installed models as OpenAI
 * model objects, `created` from modified_at, `owned_by` the namespace; no models is `"data":null`.
 */
import type { Exchange, SimulatorCore } from './exchange.js';
import type { CatalogModel } from './models.js';
import { sendOpenAiError, sendOpenAiJson } from './openai-wire.js';

function modelObject(id: string, model: CatalogModel): object {
  const namespace = model.qualified.split('/').at(-2) ?? 'library';
  return { id, object: 'model', created: Math.floor(Date.parse(model.modifiedAt) / 1000), owned_by: namespace };
}

export function handleOpenAiModels(exchange: Exchange, core: SimulatorCore): void {
  const models = core.catalog.newestFirst();
  sendOpenAiJson(exchange.response, { object: 'list', data: models.length === 0 ? null : models.map((model) => modelObject(model.name, model)) });
}

export function handleOpenAiModel(exchange: Exchange, core: SimulatorCore): void {
  const id = decodeURIComponent(exchange.request.path.slice('/v1/models/'.length));
  const model = core.catalog.find(id);
  if (model === undefined) return sendOpenAiError(exchange.response, 404, `model '${id}' not found`);
  sendOpenAiJson(exchange.response, modelObject(id, model));
}
