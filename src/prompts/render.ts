/**
 * Deterministic prompt rendering: `{{name}}` is replaced by a variable, and `{{#name}}…{{/name}}` is
 * kept only when that variable is non-empty. No randomness, no dates, no environment: the same
 * variables always give the same bytes, so the prompt's hash identifies the exact text sent.
 */

export type PromptVariables = Readonly<Record<string, string>>;

const SECTION = /\{\{#([a-z_]+)\}\}\n?([\s\S]*?)\{\{\/\1\}\}\n?/g;
const VARIABLE = /\{\{([a-z_]+)\}\}/g;

/** A template cut at its sections once: the text between them, and each section's name and body. */
type Segment = string | { section: string; body: string };

/** Templates are a handful of files read once; where their sections are does not depend on the variables. */
const compiled = new Map<string, Segment[]>();

export function renderPrompt(template: string, variables: PromptVariables, templateName = 'prompt'): string {
  let withSections = '';
  for (const segment of segmentsOf(template)) {
    if (typeof segment === 'string') withSections += segment;
    else if ((variables[segment.section] ?? '').trim() !== '') withSections += segment.body;
  }
  return withSections.replace(VARIABLE, (_match, name: string) => {
    const value = variables[name];
    if (value === undefined) throw new Error(`Prompt "${templateName}" uses {{${name}}}, which was not given.`);
    return value;
  });
}

function segmentsOf(template: string): Segment[] {
  let segments = compiled.get(template);
  if (segments === undefined) {
    segments = [];
    let last = 0;
    for (const match of template.matchAll(SECTION)) {
      segments.push(template.slice(last, match.index), { section: match[1] as string, body: match[2] as string });
      last = match.index + match[0].length;
    }
    segments.push(template.slice(last));
    // Bounded: a caller rendering ever-new templates must not grow this without end.
    if (compiled.size >= 64) compiled.clear();
    compiled.set(template, segments);
  }
  return segments;
}
