/**
 * The pipeline's deterministic verification layer: checks that cost no model call and run before
 * the verifier. Each one applies only when the request or the draft makes it meaningful (a JSON
 * check when JSON was asked for, a tool check when tools were called), so a draft fails only on
 * something it was actually asked to do or actually claimed to do.
 *
 * Nothing here executes the draft's code: JavaScript blocks are compiled, never run.
 */
import { Script } from 'node:vm';
import type { DraftToolCall } from '../../types/attempt.js';
import type { OpenAIResponseFormat, OpenAIToolDefinition } from '../../types/openai.js';
import { validateJsonSchema, VALIDATION_STEP_BUDGET } from './json-schema.js';
import { createWorkBudget, type WorkBudget } from './work-budget.js';

export interface Draft {
  content: string;
  toolCalls: DraftToolCall[];
}

export interface CheckContext {
  responseFormat?: OpenAIResponseFormat | null;
  tools?: OpenAIToolDefinition[] | null;
  /**
   * Phrases of the pipeline's own prompts (promptPhrases). A draft that contains one repeats rlm's
   * instructions instead of answering: real SmolLM2, asked to revise, wrote the revise prompt back.
   */
  promptPhrases?: readonly string[];
}

export type CheckName = 'empty_answer' | 'prompt_echo' | 'json_object' | 'json_schema' | 'tool_arguments' | 'fenced_json' | 'fenced_javascript';

export interface CheckResult {
  name: CheckName;
  passed: boolean;
  /** Empty when passed. */
  issues: string[];
  detail?: Record<string, unknown>;
}

const JAVASCRIPT_LANGUAGES = new Set(['js', 'javascript', 'mjs', 'cjs']);

export function runDeterministicChecks(draft: Draft, context: CheckContext): CheckResult[] {
  // One budget for every schema the draft is held to, so a hundred tool calls cannot take a hundred budgets.
  const budget = createWorkBudget(VALIDATION_STEP_BUDGET);
  const results: CheckResult[] = [checkEmptyAnswer(draft)];
  // Like the fenced-block checks, it applies only where it finds something: an echo.
  const echo = checkPromptEcho(draft, context.promptPhrases ?? []);
  if (!echo.passed) results.push(echo);
  const format = context.responseFormat;
  // A turn that only calls tools has no content to hold to the response format.
  const formatApplies = draft.content.trim() !== '' || draft.toolCalls.length === 0;
  if (format?.type === 'json_object' && formatApplies) results.push(checkJsonObject(draft.content));
  if (format?.type === 'json_schema' && formatApplies) {
    // Without a schema the answer must still be JSON; `true` is the schema every value satisfies.
    results.push(checkJsonSchema(draft.content, format.json_schema?.schema ?? true, budget));
  }
  if (draft.toolCalls.length > 0) results.push(checkToolArguments(draft.toolCalls, context.tools ?? [], budget));
  const blocks = fencedBlocks(draft.content);
  const jsonBlocks = blocks.filter((block) => block.language === 'json');
  const formatRequested = format?.type === 'json_object' || format?.type === 'json_schema';
  if (jsonBlocks.length > 0 && !formatRequested) results.push(checkFencedJson(jsonBlocks));
  const javascriptBlocks = blocks.filter((block) => JAVASCRIPT_LANGUAGES.has(block.language));
  if (javascriptBlocks.length > 0) results.push(checkFencedJavascript(javascriptBlocks));
  return results;
}

function checkEmptyAnswer(draft: Draft): CheckResult {
  const empty = draft.content.trim() === '' && draft.toolCalls.length === 0;
  return result('empty_answer', empty ? ['The answer is empty.'] : []);
}

function checkPromptEcho(draft: Draft, phrases: readonly string[]): CheckResult {
  const content = collapseSpaces(draft.content);
  const echoed = phrases.find((phrase) => content.includes(phrase));
  return result('prompt_echo', echoed === undefined ? [] : [`The answer repeats the pipeline's own instructions ("${echoed}") instead of answering.`]);
}

/** Shorter pieces of a prompt could turn up in an honest answer; these cannot, except by echoing it. */
const MIN_ECHO_PHRASE = 24;

/**
 * The phrases of a prompt template that an answer contains only by repeating the prompt: its
 * sentences (and headings ending in ":"), spaces collapsed, placeholders cut out, at least 24
 * characters long.
 */
export function promptPhrases(template: string): string[] {
  const text = collapseSpaces(template.replace(/\{\{[^}]*\}\}/g, '\n').replace(/<\/?[a-z]+>/g, '\n'));
  return text
    .split(/(?<=[.!?:])\s+|\n/)
    .map((phrase) => phrase.trim())
    .filter((phrase) => phrase.length >= MIN_ECHO_PHRASE);
}

function collapseSpaces(text: string): string {
  return text.replace(/\s+/g, ' ');
}

function checkJsonObject(content: string): CheckResult {
  const answer = parseAnswerJson(content);
  if (!answer.parsed.ok) return result('json_object', [`The answer is not valid JSON: ${answer.parsed.error}`], { fenced: answer.fenced });
  const kind = kindOf(answer.parsed.value);
  const issues = kind === 'object' ? [] : [`The answer must be a JSON object, but it is ${withArticle(kind)}.`];
  return result('json_object', issues, { fenced: answer.fenced });
}

function checkJsonSchema(content: string, schema: unknown, budget: WorkBudget): CheckResult {
  const answer = parseAnswerJson(content);
  if (!answer.parsed.ok) return result('json_schema', [`The answer is not valid JSON: ${answer.parsed.error}`], { fenced: answer.fenced });
  const issues = validateJsonSchema(answer.parsed.value, schema, budget).map(
    (issue) => `The answer does not match the requested schema: ${issue.path}: ${issue.message}`,
  );
  return result('json_schema', issues, { fenced: answer.fenced, schemaIssues: issues.length });
}

function checkToolArguments(toolCalls: readonly DraftToolCall[], tools: readonly OpenAIToolDefinition[], budget: WorkBudget): CheckResult {
  const available = new Map<string, OpenAIToolDefinition>();
  for (const tool of tools) {
    // Request types are loose on the wire; a malformed entry simply offers no tool.
    const name: unknown = tool?.function?.name;
    if (typeof name === 'string') available.set(name, tool);
  }
  const names = [...available.keys()].map((name) => JSON.stringify(name)).join(', ');
  const issues: string[] = [];
  toolCalls.forEach((call, index) => {
    const label = `Tool call ${index + 1} (${JSON.stringify(call.name)})`;
    const tool = available.get(call.name);
    if (tool === undefined) {
      issues.push(`${label} names an unknown tool; the available tools are ${names === '' ? 'none' : names}.`);
      return;
    }
    const parsed = parseJson(call.arguments);
    if (!parsed.ok) {
      issues.push(`${label} has arguments that are not valid JSON: ${parsed.error}`);
      return;
    }
    const kind = kindOf(parsed.value);
    if (kind !== 'object') {
      issues.push(`${label} must have a JSON object as arguments, but they are ${withArticle(kind)}.`);
      return;
    }
    const parameters = tool.function.parameters;
    if (parameters === undefined) return;
    for (const issue of validateJsonSchema(parsed.value, parameters, budget)) {
      issues.push(`${label} has arguments that do not match the tool's parameters: ${issue.path}: ${issue.message}`);
    }
  });
  return result('tool_arguments', issues, { calls: toolCalls.length });
}

function checkFencedJson(blocks: readonly FencedBlock[]): CheckResult {
  const issues: string[] = [];
  blocks.forEach((block, index) => {
    const parsed = parseJson(block.code);
    if (!parsed.ok) issues.push(`JSON block ${index + 1} does not parse: ${parsed.error}`);
  });
  return result('fenced_json', issues, { blocks: blocks.length, failed: issues.length });
}

function checkFencedJavascript(blocks: readonly FencedBlock[]): CheckResult {
  const issues: string[] = [];
  let modules = 0;
  blocks.forEach((block, index) => {
    const compiled = compileJavascript(block.code, `javascript-block-${index + 1}.js`, block.language === 'mjs');
    if (compiled.module) modules++;
    if (compiled.problem !== null) issues.push(`JavaScript block ${index + 1} does not compile: ${compiled.problem}`);
  });
  return result('fenced_javascript', issues, { blocks: blocks.length, failed: issues.length, modules });
}

/** Messages V8 gives when a script contains module syntax, so the block deserves a second try as a module. */
const MODULE_SYNTAX_ERROR = /import statement|Unexpected token 'export'|import\.meta|top level bodies of modules/;

/**
 * Compiles, never runs: `new Script` (node:vm) only parses and compiles (the script is never passed to
 * runInContext), and the async wrapper of the module form is a function expression never called.
 */
function compileJavascript(code: string, filename: string, moduleOnly: boolean): { problem: string | null; module: boolean } {
  if (!moduleOnly) {
    const problem = compileProblem(code, filename);
    if (problem === null || !MODULE_SYNTAX_ERROR.test(problem)) return { problem, module: false };
  }
  const body = moduleBodyAsScript(code);
  // Module code is strict. Top-level await needs an async function around it; the wrapper is used
  // only then, because a block with stray braces could close it early and read as valid.
  const problem = compileProblem(`'use strict';${body}`, filename);
  if (problem === null || !TOP_LEVEL_AWAIT_ERROR.test(problem)) return { problem, module: true };
  return { problem: compileProblem(`(async function () {'use strict';${body}\n});`, filename), module: true };
}

const TOP_LEVEL_AWAIT_ERROR = /top level bodies of modules/;

function compileProblem(code: string, filename: string): string | null {
  try {
    new Script(code, { filename });
    return null;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // V8 starts a syntax error's stack with "<filename>:<line>", the line inside the block.
    const stackHead = error instanceof Error ? (error.stack ?? '').split('\n', 1)[0] : '';
    const line = stackHead?.startsWith(`${filename}:`) ? /:(\d+)$/.exec(stackHead)?.[1] : undefined;
    return line === undefined ? message : `${message} (line ${line})`;
  }
}

const DEFAULT_EXPORT_NAME = '__rlmDefaultExport';

/**
 * Node 20 cannot compile a module without running it (`vm.SourceTextModule` needs
 * --experimental-vm-modules), so a module is rewritten into an equivalent-for-parsing script:
 * import declarations become blank lines, `export` keywords are dropped (`export default <expr>`
 * becomes a const declaration) and `import.meta` becomes an object literal. The caller compiles
 * the result in strict mode, inside an async function expression when it awaits at top level.
 * Every rewrite keeps the line count and any prefix sits on line 1, so line numbers still match.
 *
 * Limitations: a statement counts as top-level when it starts at column 0 (blocks are dedented
 * first), so an unindented `export` inside a function body is wrongly accepted; import bindings are
 * not declared, so a clash between an import and a local declaration goes unnoticed; a block that
 * awaits at top level also gets `return` and `new.target` accepted there; a default-exported
 * anonymous function or class is compiled as an expression.
 */
function moduleBodyAsScript(code: string): string {
  const blankKeepingLines = (text: string) => text.replace(/[^\n]/g, '');
  return code
    .replace(/^#!.*/, '')
    .replace(/^import\s*(?:[\w$*{}\s,]*?\s*from\s*)?(['"])[^'"\n]*\1[ \t]*(?:(?:with|assert)\s*\{[^}]*\})?[ \t]*;?/gm, blankKeepingLines)
    .replace(/^export\s*(?:\*(?:\s*as\s+[\w$]+)?|\{[^}]*\})(?:\s*from\s*(['"])[^'"\n]*\1)?[ \t]*;?/gm, blankKeepingLines)
    .replace(/^export\s+default\s+(?=(?:async\s+)?function\s*\*?\s*[\w$]|class\s+(?!extends\b)[\w$])/gm, '')
    .replace(/^export\s+default\s+/gm, `const ${DEFAULT_EXPORT_NAME} = `)
    .replace(/^export\s+(?=(?:const|let|var|function|async|class)\b)/gm, '')
    .replace(/\bimport\s*\.\s*meta\b/g, '({})');
}

interface FencedBlock {
  /** The info string's first word, lower-cased ("" when none). */
  language: string;
  code: string;
}

/**
 * Fenced code blocks as CommonMark opens and closes them (``` or ~~~, closed by a fence of the same
 * character at least as long). An unclosed fence runs to the end of the content, as in CommonMark,
 * which also covers a draft cut off by the token limit. Blocks are dedented so a block inside a list
 * item reads as it would on its own.
 */
function fencedBlocks(content: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  let open: { marker: string; language: string; lines: string[] } | null = null;
  for (const line of content.split(/\r?\n/)) {
    if (open === null) {
      const opening = /^\s*(`{3,}|~{3,})\s*([^\s`{]*)/.exec(line);
      if (opening) open = { marker: opening[1] ?? '```', language: (opening[2] ?? '').toLowerCase(), lines: [] };
      continue;
    }
    const closing = /^\s*(`{3,}|~{3,})\s*$/.exec(line)?.[1];
    if (closing !== undefined && closing[0] === open.marker[0] && closing.length >= open.marker.length) {
      blocks.push({ language: open.language, code: dedent(open.lines) });
      open = null;
    } else {
      open.lines.push(line);
    }
  }
  if (open !== null) blocks.push({ language: open.language, code: dedent(open.lines) });
  return blocks;
}

function dedent(lines: readonly string[]): string {
  const indents = lines.filter((line) => line.trim() !== '').map((line) => /^[ \t]*/.exec(line)?.[0].length ?? 0);
  const common = indents.length === 0 ? 0 : Math.min(...indents);
  return lines.map((line) => line.slice(Math.min(common, /^[ \t]*/.exec(line)?.[0].length ?? 0))).join('\n');
}

type JsonParse = { ok: true; value: unknown } | { ok: false; error: string };

/** A whole answer wrapped in one ```json (or bare ```) fence, as small models add even in JSON mode. */
const WHOLE_ANSWER_FENCE = /^(`{3,}|~{3,})[ \t]*(?:json)?[ \t]*\r?\n([\s\S]*?)(?:\r?\n[ \t]*\1[ \t]*)?$/i;

function parseAnswerJson(content: string): { parsed: JsonParse; fenced: boolean } {
  const trimmed = content.trim();
  const fence = WHOLE_ANSWER_FENCE.exec(trimmed);
  return fence ? { parsed: parseJson(fence[2] ?? ''), fenced: true } : { parsed: parseJson(trimmed), fenced: false };
}

function parseJson(text: string): JsonParse {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    // Node 20 appends the whole input to the message ('…, "{"a": …" is not valid JSON'): cut it,
    // and turn a position, where V8 gives one, into the line a reviser can find.
    let message = (error instanceof Error ? error.message : String(error)).replace(/, ".*" is not valid JSON$/s, '');
    const position = /at position (\d+)/.exec(message)?.[1];
    if (position !== undefined) message += ` (line ${text.slice(0, Number(position)).split('\n').length})`;
    return { ok: false, error: message };
  }
}

function result(name: CheckName, issues: string[], detail?: Record<string, unknown>): CheckResult {
  return { name, passed: issues.length === 0, issues, ...(detail ? { detail } : {}) };
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function withArticle(kind: string): string {
  return kind === 'null' ? 'null' : `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`;
}
