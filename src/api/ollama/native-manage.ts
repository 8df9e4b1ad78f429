/**
 * Model management (/api/pull, /api/create, /api/delete, /api/copy, /api/push) changes what the
 * backend holds, for every user of this rlm, so it is forwarded to Ollama only when the operator
 * enables it (--allow-model-management, RLM_ALLOW_MODEL_MANAGEMENT); otherwise a 403 that says how,
 * and how to do it against Ollama directly. Forwarded, the answer is Ollama's own, progress stream
 * included. With several backends, it goes to the first Ollama one in rlm.config.json.
 */
import type { Handler, RequestContext } from '../../server/context.js';
import { PermissionError } from '../../utils/errors.js';
import { forwardToOllama, ollamaBaseUrls } from './native-forward.js';

export type ManagementRoute = 'pull' | 'create' | 'delete' | 'copy' | 'push';

export function managementHandler(route: ManagementRoute, method: 'POST' | 'DELETE'): Handler {
  return async (context: RequestContext) => {
    if (!context.app.config.allowModelManagement) {
      const target = ollamaBaseUrls(context.app)[0];
      throw new PermissionError(
        `rlm does not forward /api/${route} to Ollama unless its operator allows it: start rlm with --allow-model-management ` +
          `(or RLM_ALLOW_MODEL_MANAGEMENT=1), or run \`ollama ${route}\` against Ollama itself${target === undefined ? '' : ` (${target})`}.`,
        'model_management_disabled',
      );
    }
    const body = JSON.stringify(await context.readJson());
    Object.assign(context.logFields, { forwarded: route });
    await forwardToOllama(context, { method, path: `/api/${route}`, body });
  };
}
