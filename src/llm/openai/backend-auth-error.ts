/**
 * A 401 or 403 from an OpenAI-compatible server means rlm's own credentials for it are wrong, not
 * the client's: passed on as they came, they would send the client to fix a key it never sent.
 * They become a 502 that names the backend and the setting to fix.
 */
import { RlmError, UpstreamError } from '../../utils/errors.js';

export function backendAuthFailure(error: unknown, backend: string): unknown {
  if (!(error instanceof UpstreamError) || (error.upstreamStatus !== 401 && error.upstreamStatus !== 403)) return error;
  return new RlmError(
    `The backend "${backend}" refused rlm's credentials (HTTP ${error.upstreamStatus}: ${error.message}). Check its apiKey (or apiKeyEnv) in rlm.config.json.`,
    { status: 502, type: 'api_error', code: 'upstream_auth_failed', cause: error },
  );
}
