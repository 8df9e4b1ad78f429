/** The API surface: every route the server answers, OpenAI's and rlm's own, then Ollama's native one. */
import { handleChatCompletions } from '../api/chat/chat.js';
import { handleCompletions } from '../api/completions.js';
import { handleGetEval, handleListEvals } from '../api/rlm/evals.js';
import { handleEmbeddings } from '../api/embeddings.js';
import { handleHealth } from '../api/health.js';
import { handleListModels, handleRetrieveModel } from '../api/models.js';
import { NATIVE_ROUTES } from '../api/ollama/native-routes.js';
import { handleResponses } from '../api/responses/responses.js';
import { handleProfiles } from '../api/rlm/profiles.js';
import { handleRunEvents } from '../api/rlm/run-events.js';
import { handleGetRun, handleListRuns } from '../api/rlm/runs.js';
import { handleSearch } from '../api/rlm/search.js';
import { handleUiAsset, handleUiIndex, handleUiRedirect } from '../api/rlm/ui-assets.js';
import type { Route } from './router.js';

export const ROUTES: readonly Route[] = [
  { method: 'GET', path: '/health', handler: handleHealth },
  { method: 'GET', path: '/v1/models', handler: handleListModels },
  { method: 'GET', path: '/v1/models/*', handler: handleRetrieveModel },
  { method: 'POST', path: '/v1/chat/completions', handler: handleChatCompletions },
  { method: 'POST', path: '/v1/completions', handler: handleCompletions },
  { method: 'POST', path: '/v1/embeddings', handler: handleEmbeddings },
  { method: 'POST', path: '/v1/responses', handler: handleResponses },
  { method: 'GET', path: '/v1/rlm/runs', handler: handleListRuns },
  { method: 'GET', path: '/v1/rlm/runs/*', handler: handleGetRun },
  { method: 'GET', path: '/v1/rlm/run-events', handler: handleRunEvents },
  { method: 'GET', path: '/v1/rlm/profiles', handler: handleProfiles },
  { method: 'GET', path: '/v1/rlm/evals', handler: handleListEvals },
  { method: 'GET', path: '/v1/rlm/evals/*', handler: handleGetEval },
  { method: 'POST', path: '/v1/rlm/search', handler: handleSearch },
  { method: 'GET', path: '/ui', handler: handleUiRedirect },
  { method: 'GET', path: '/ui/', handler: handleUiIndex },
  { method: 'GET', path: '/ui/*', handler: handleUiAsset },
  ...NATIVE_ROUTES,
];
