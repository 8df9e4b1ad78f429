/**
 * Reads a user's task file: JSON Lines, one TaskSpec (task.ts) per line. Every problem is found
 * before any task runs, and all of them are reported at once, each naming the file, the line and
 * the field, so one edit fixes the file and no eval stops halfway on its thirtieth task. Blank lines,
 * CRLF line ends, a trailing newline and a UTF-8 byte-order mark are fine. Fields starting with "_"
 * are ignored (for notes); any other unknown field is a problem, since a misspelt "tolerence" would
 * otherwise silently score with none.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { assertCheckableSchema, UncheckableSchemaError } from '../orchestrator/checks/client-schemas.js';
import { FILE_MATCH_KINDS, taskKey, type EvalMessage, type EvalTask, type FileMatchKind, type TaskScorer } from './task.js';
import { compileTaskPattern } from './task-pattern.js';
import { schemaShapeProblem } from './schema-shape.js';

export interface TaskFileProblem {
  /** 1-based; 0 for the file as a whole. */
  line: number;
  /** The field at fault, as a path (`messages[1].role`), or null for the line as a whole. */
  field: string | null;
  message: string;
}

/** Problems listed in the message; all of them are in `problems`. */
const LISTED_PROBLEMS = 50;

/** The file's problems, all of them: the eval does not start. */
export class TaskFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly TaskFileProblem[],
  ) {
    const lines = problems.slice(0, LISTED_PROBLEMS).map((problem) => `  ${file}:${problem.line}: ${problem.field === null ? '' : `${problem.field}: `}${problem.message}`);
    if (problems.length > LISTED_PROBLEMS) lines.push(`  … and ${problems.length - LISTED_PROBLEMS} more`);
    super(`${file}: ${problems.length === 1 ? '1 problem' : `${problems.length} problems`}, so the eval did not start:\n${lines.join('\n')}`);
    this.name = 'TaskFileError';
  }
}

const KNOWN_FIELDS = new Set(['id', 'suite', 'prompt', 'messages', 'expected', 'match', 'tolerance', 'aliases', 'flags', 'response_format', 'index']);
const ROLES = new Set(['system', 'developer', 'user', 'assistant']);

export async function readTaskFile(path: string): Promise<EvalTask[]> {
  const bytes = await readFile(path);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new TaskFileError(path, [{ line: 0, field: null, message: 'the file is not UTF-8 text' }]);
  }
  return parseTaskFile(path, text);
}

/** The tasks of a file's text, in file order; throws TaskFileError listing every problem. `file` names it in messages and gives the default suite. */
export function parseTaskFile(file: string, text: string): EvalTask[] {
  const defaultSuite = basename(file).replace(/\.jsonl$/i, '');
  const problems: TaskFileProblem[] = [];
  const tasks: EvalTask[] = [];
  const firstLineOf = new Map<string, number>();
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((raw, index) => {
    const line = index + 1;
    const source = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (source.trim() === '') return;
    const lineProblems: TaskFileProblem[] = [];
    const problem: Report = (field, message) => void lineProblems.push({ line, field, message });
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch (error) {
      problems.push({ line, field: null, message: `not valid JSON (${(error instanceof Error ? error.message : String(error)).replace(/, ".*" is not valid JSON$/s, '')})` });
      return;
    }
    const task = checkTask(value, defaultSuite, problem);
    // Ids are compared even on lines with other problems, so the next attempt does not find a duplicate.
    const key = isRecord(value) ? rawKey(value, defaultSuite) : undefined;
    const earlier = key === undefined ? undefined : firstLineOf.get(key);
    if (key !== undefined && earlier !== undefined) problem('id', `${JSON.stringify(String((value as Record<string, unknown>).id))} is already the id of line ${earlier}${key.startsWith(`${defaultSuite}/`) ? '' : ' in the same suite'}`);
    else if (key !== undefined) firstLineOf.set(key, line);
    problems.push(...lineProblems);
    if (task !== undefined && lineProblems.length === 0) tasks.push(task);
  });
  if (problems.length > 0) throw new TaskFileError(file, problems);
  if (tasks.length === 0) throw new TaskFileError(file, [{ line: 0, field: null, message: 'the file holds no tasks' }]);
  return tasks;
}

/** The key a line's task would be filed under, when its id and suite are usable. */
function rawKey(value: Record<string, unknown>, defaultSuite: string): string | undefined {
  const { id, suite = defaultSuite } = value;
  const usableId = (typeof id === 'string' && id.trim() !== '') || (typeof id === 'number' && Number.isSafeInteger(id));
  return usableId && typeof suite === 'string' ? taskKey({ suite, id: String(id) }) : undefined;
}

type Report = (field: string | null, message: string) => void;

/** The line as a task, reporting every problem it has (not only the first); the caller drops a line with any. */
function checkTask(value: unknown, defaultSuite: string, problem: Report): EvalTask | undefined {
  if (!isRecord(value)) {
    problem(null, `must be a JSON object, got ${kindOf(value)}`);
    return undefined;
  }
  for (const field of Object.keys(value)) {
    if (!KNOWN_FIELDS.has(field) && !field.startsWith('_')) problem(field, `unknown field (known: ${[...KNOWN_FIELDS].join(', ')}; fields starting with "_" are ignored)`);
  }
  const id = checkId(value.id, problem);
  const suite = value.suite === undefined ? defaultSuite : nonEmptyString(value.suite, 'suite', problem);
  if (suite?.includes('/')) problem('suite', 'may not contain "/"');
  const messages = checkMessages(value, problem);
  const scorer = checkScorer(value, problem);
  const responseFormat = value.response_format === undefined ? undefined : checkResponseFormat(value.response_format, problem);
  const index = value.index === undefined ? undefined : nonEmptyString(value.index, 'index', problem);
  if (id === undefined || suite === undefined || messages === undefined || scorer === undefined) return undefined;
  return { id, suite, messages, ...scorer, ...(responseFormat === undefined ? {} : { response_format: responseFormat }), ...(index === undefined ? {} : { index }) };
}

function checkId(id: unknown, problem: Report): string | undefined {
  if (id === undefined) return void problem('id', 'missing: every task needs an id');
  if (typeof id === 'number' && Number.isSafeInteger(id)) return String(id);
  return nonEmptyString(id, 'id', problem);
}

function checkMessages(value: Record<string, unknown>, problem: Report): EvalMessage[] | undefined {
  const { prompt, messages } = value;
  if (prompt !== undefined && messages !== undefined) return void problem('prompt', 'give either prompt or messages, not both');
  if (prompt !== undefined) {
    const text = nonEmptyString(prompt, 'prompt', problem);
    return text === undefined ? undefined : [{ role: 'user', content: text }];
  }
  if (messages === undefined) return void problem('messages', 'missing: give prompt (a string) or messages (an array)');
  if (!Array.isArray(messages) || messages.length === 0) return void problem('messages', 'must be a non-empty array of {role, content}');
  const checked: EvalMessage[] = [];
  messages.forEach((message: unknown, index) => {
    const at = `messages[${index}]`;
    if (!isRecord(message)) return problem(at, `must be an object {role, content}, got ${kindOf(message)}`);
    for (const key of Object.keys(message)) if (key !== 'role' && key !== 'content') problem(`${at}.${key}`, 'not supported (a task message has only role and content)');
    const { role, content } = message;
    const roleKnown = typeof role === 'string' && ROLES.has(role);
    if (!roleKnown) problem(`${at}.role`, `must be one of ${[...ROLES].join(', ')}, got ${JSON.stringify(role) ?? 'nothing'}`);
    if (typeof content !== 'string') problem(`${at}.content`, `must be a string, got ${kindOf(content)}`);
    else if (roleKnown) checked.push({ role: role as EvalMessage['role'], content });
  });
  if (checked.length !== messages.length) return undefined;
  const last = checked[checked.length - 1] as EvalMessage;
  if (last.role !== 'user' || last.content.trim() === '') return void problem(`messages[${checked.length - 1}]`, 'the last message must be a user message with some text: it is what the model answers');
  return checked;
}

function checkScorer(value: Record<string, unknown>, problem: Report): TaskScorer | undefined {
  const { match, expected, tolerance, aliases, flags } = value;
  if (match === undefined) return void problem('match', `missing: one of ${FILE_MATCH_KINDS.join(', ')}`);
  if (typeof match !== 'string' || !(FILE_MATCH_KINDS as readonly string[]).includes(match)) {
    return void problem('match', `${JSON.stringify(match)} is not a match kind (one of ${FILE_MATCH_KINDS.join(', ')})`);
  }
  const kind = match as FileMatchKind;
  if (tolerance !== undefined && kind !== 'number') problem('tolerance', `only match "number" takes a tolerance, not "${kind}"`);
  if (aliases !== undefined && kind !== 'exact' && kind !== 'contains') problem('aliases', `only match "exact" and "contains" take aliases, not "${kind}"`);
  if (flags !== undefined && kind !== 'regex') problem('flags', `only match "regex" takes flags, not "${kind}"`);
  if (!Object.hasOwn(value, 'expected')) return void problem('expected', `missing: what a right answer is, for match "${kind}"`);
  switch (kind) {
    case 'exact':
    case 'contains': {
      const reference = nonEmptyString(expected, 'expected', problem, typeof expected === 'number' ? ' (use match "number" for a number)' : '');
      const accepted = aliases === undefined ? [] : checkAliases(aliases, problem);
      return reference === undefined || accepted === undefined ? undefined : { match: kind, expected: reference, aliases: accepted };
    }
    case 'number': {
      if (typeof expected !== 'number' || !Number.isFinite(expected)) return void problem('expected', `must be a finite number for match "number", got ${kindOf(expected)}`);
      if (tolerance !== undefined && !(typeof tolerance === 'number' && Number.isFinite(tolerance) && tolerance >= 0)) {
        return void problem('tolerance', `must be a non-negative number (an absolute difference), got ${JSON.stringify(tolerance) ?? kindOf(tolerance)}`);
      }
      return { match: 'number', expected, tolerance: (tolerance as number | undefined) ?? 0 };
    }
    case 'regex': {
      if (flags !== undefined && typeof flags !== 'string') return void problem('flags', `must be a string such as "i", got ${kindOf(flags)}`);
      const source = nonEmptyString(expected, 'expected', problem);
      if (source === undefined) return undefined;
      const compiled = compileTaskPattern(source, flags ?? '');
      if (!compiled.ok) return void problem(/flag/.test(compiled.reason) ? 'flags' : 'expected', `the pattern /${source}/ cannot be used: ${compiled.reason}`);
      return { match: 'regex', expected: source, flags: flags ?? '' };
    }
    case 'json_schema':
      return checkSchema(expected, 'expected', problem) ? { match: 'json_schema', expected: expected as Record<string, unknown> | boolean } : undefined;
    case 'json_equal':
      return { match: 'json_equal', expected };
  }
}

function checkAliases(aliases: unknown, problem: Report): string[] | undefined {
  if (!Array.isArray(aliases)) return void problem('aliases', `must be an array of strings, got ${kindOf(aliases)}`);
  const bad = aliases.findIndex((alias) => typeof alias !== 'string' || alias.trim() === '');
  if (bad >= 0) return void problem(`aliases[${bad}]`, 'must be a non-empty string');
  return aliases as string[];
}

/** A schema that json-schema.ts can check answers against, in bounded time: reported and false otherwise. */
function checkSchema(schema: unknown, field: string, problem: Report): boolean {
  if (typeof schema !== 'boolean' && !isRecord(schema)) return problem(field, `must be a JSON Schema (an object), got ${kindOf(schema)}`), false;
  const shape = schemaShapeProblem(schema);
  if (shape !== null) return problem(`${field}${shape.path}`, `not a JSON Schema: ${shape.message}`), false;
  try {
    assertCheckableSchema(schema, field);
  } catch (error) {
    if (!(error instanceof UncheckableSchemaError)) throw error;
    // Its message starts with the path of the fault, then ": ".
    const split = error.message.indexOf(': ');
    return problem(error.message.slice(0, split), error.message.slice(split + 2)), false;
  }
  return true;
}

function checkResponseFormat(format: unknown, problem: Report): EvalTask['response_format'] | undefined {
  if (!isRecord(format)) return void problem('response_format', `must be an object, got ${kindOf(format)}`);
  if (format.type === 'text' || format.type === 'json_object') return { type: format.type };
  if (format.type !== 'json_schema') return void problem('response_format.type', 'must be "text", "json_object" or "json_schema"');
  const inner = format.json_schema;
  if (!isRecord(inner) || !isRecord(inner.schema)) return void problem('response_format.json_schema.schema', 'must be a JSON Schema object');
  if (!checkSchema(inner.schema, 'response_format.json_schema.schema', problem)) return undefined;
  return { type: 'json_schema', json_schema: { name: typeof inner.name === 'string' ? inner.name : 'answer', schema: inner.schema, ...(typeof inner.strict === 'boolean' ? { strict: inner.strict } : {}) } };
}

function nonEmptyString(value: unknown, field: string, problem: Report, hint = ''): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value;
  return void problem(field, `must be a non-empty string, got ${typeof value === 'string' ? 'an empty one' : kindOf(value)}${hint}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}
