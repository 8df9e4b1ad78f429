/**
 * What a profile needs before a run may start, checked while a real HTTP status can still be sent:
 * every model it names is installed, its generators can call tools when the request offers them,
 * and the index it is grounded in exists.
 */
import { listIndexes } from '../../index/index-store.js';
import type { ModelCatalog } from '../../llm/model-catalog.js';
import type { Profile } from '../../types/profile.js';
import { InvalidRequestError, RlmError } from '../../utils/errors.js';

export interface ProfileNeeds {
  /** The request offers tools, so the drafting models must support them. */
  tools?: boolean;
}

export async function checkProfile(
  profile: Profile,
  context: { models: ModelCatalog; dataDir: string; source: string | undefined },
  needs: ProfileNeeds = {},
  signal?: AbortSignal,
): Promise<void> {
  const change = context.source ? `, or change ${context.source}` : '';
  const roles: [string, string][] = [
    ['planner', profile.planner],
    ['generator', profile.generator],
    ['verifier', profile.verifier],
    ...profile.ladder.map((model, index): [string, string] => [`ladder tier ${index + 1}`, model]),
  ];
  for (const [role, model] of roles) {
    if ((await context.models.find(model, signal)) === undefined) {
      throw new RlmError(`The profile "${profile.name}" uses "${model}" as its ${role}, but Ollama does not have it. Run \`ollama pull ${model}\`${change}.`, {
        status: 500,
        type: 'api_error',
        code: 'profile_model_missing',
      });
    }
    // The plan and the verdict are structured output (a JSON schema in `format`).
    if ((role === 'planner' || role === 'verifier') && context.models.lacks(model).includes('structured')) {
      throw new RlmError(
        `The profile "${profile.name}" uses "${model}" as its ${role}, but its backend has no structured output ("unsupported" lists "structured"), which the ${role === 'planner' ? 'plan' : 'verdict'} needs. Pick a ${role} on a backend with JSON-schema output${change}.`,
        { status: 500, type: 'api_error', code: 'profile_backend_unsupported' },
      );
    }
    const capabilities = await context.models.capabilities(model, signal);
    if (capabilities !== undefined && !capabilities.includes('completion')) {
      throw new RlmError(`The profile "${profile.name}" uses "${model}" as its ${role}, but it cannot chat (its capabilities: ${capabilities.join(', ')}). Pick a chat model${change}.`, {
        status: 500,
        type: 'api_error',
        code: 'profile_model_cannot_chat',
      });
    }
  }
  if (needs.tools) {
    for (const model of [profile.generator, ...profile.ladder]) {
      const capabilities = await context.models.capabilities(model, signal);
      if (capabilities === undefined || capabilities.includes('tools')) continue;
      throw new InvalidRequestError(
        `The model '${profile.name}' cannot use tools: its model "${model}" does not support them. Send the request without "tools", or use a profile whose generator and ladder support tools.`,
        'tools',
        'model_capability_missing',
      );
    }
  }
  if (profile.index !== null && !(await listIndexes(context.dataDir)).some((manifest) => manifest.name === profile.index)) {
    throw new RlmError(
      `The profile "${profile.name}" is grounded in the index "${profile.index}", which does not exist. Build it with \`rlm index <folder> --name ${profile.index}\`${change}.`,
      { status: 500, type: 'api_error', code: 'profile_index_missing' },
    );
  }
}
