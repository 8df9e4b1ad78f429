/**
 * The pipeline's prompts: files in prompts/, read once at start, each with the SHA-256 of its
 * template, which every attempt records beside the prompt's name.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { sha256Hex } from '../utils/hash.js';
import { renderPrompt, type PromptVariables } from './render.js';

export const PROMPT_NAMES = ['plan', 'generate', 'verify', 'revise'] as const;
export type PromptName = (typeof PROMPT_NAMES)[number];

export interface Prompt {
  name: PromptName;
  template: string;
  /** SHA-256 of the template text. */
  hash: string;
  render(variables: PromptVariables): string;
}

export type PromptSet = Readonly<Record<PromptName, Prompt>>;

/** prompts/ beside src/ (or dist/) in the package. */
export const DEFAULT_PROMPTS_DIR = fileURLToPath(new URL('../../prompts/', import.meta.url));

export async function loadPrompts(directory: string = DEFAULT_PROMPTS_DIR): Promise<PromptSet> {
  const entries = await Promise.all(
    PROMPT_NAMES.map(async (name): Promise<[PromptName, Prompt]> => {
      const path = `${directory.replace(/\/?$/, '/')}${name}.md`;
      let template: string;
      try {
        template = await readFile(path, 'utf8');
      } catch (error) {
        throw new Error(`Cannot read the "${name}" prompt at ${path}: ${(error as Error).message}`, { cause: error });
      }
      return [name, { name, template, hash: sha256Hex(template), render: (variables) => renderPrompt(template, variables, name) }];
    }),
  );
  return Object.freeze(Object.fromEntries(entries) as Record<PromptName, Prompt>);
}
