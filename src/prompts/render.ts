/**
 * Deterministic prompt rendering: `{{name}}` is replaced by a variable, and `{{#name}}…{{/name}}` is
 * kept only when that variable is non-empty. No randomness, no dates, no environment: the same
 * variables always give the same bytes, so the prompt's hash identifies the exact text sent.
 */

export type PromptVariables = Readonly<Record<string, string>>;

const SECTION = /\{\{#([a-z_]+)\}\}\n?([\s\S]*?)\{\{\/\1\}\}\n?/g;
const VARIABLE = /\{\{([a-z_]+)\}\}/g;

export function renderPrompt(template: string, variables: PromptVariables, templateName = 'prompt'): string {
  const withSections = template.replace(SECTION, (_match, name: string, body: string) =>
    (variables[name] ?? '').trim() === '' ? '' : body,
  );
  return withSections.replace(VARIABLE, (_match, name: string) => {
    const value = variables[name];
    if (value === undefined) throw new Error(`Prompt "${templateName}" uses {{${name}}}, which was not given.`);
    return value;
  });
}
