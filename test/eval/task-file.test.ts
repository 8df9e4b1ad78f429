import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTaskFile, readTaskFile, TaskFileError, type TaskFileProblem } from '../../src/eval/task-file.js';

const lines = (...values: unknown[]) => values.map((value) => (typeof value === 'string' ? value : JSON.stringify(value))).join('\n');

function problemsOf(text: string, file = 'tasks.jsonl'): TaskFileProblem[] {
  try {
    parseTaskFile(file, text);
  } catch (error) {
    if (error instanceof TaskFileError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a TaskFileError');
}

describe('parseTaskFile', () => {
  it('normalises good lines: messages always, suite from the file name, options filled in', () => {
    const text = `\uFEFF${lines(
      { id: 'a', prompt: 'What is 2 + 2?', expected: 4, match: 'number' },
      '',
      { id: 7, suite: 'geo', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Capital of France?' }], expected: 'Paris', match: 'exact', aliases: ['paris'], _note: 'ignored' },
      { id: 'r', prompt: 'Say hi', expected: '^hi', match: 'regex', flags: 'i', index: 'docs' },
      { id: 'j', prompt: 'JSON please', expected: { type: 'object' }, match: 'json_schema', response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } } },
    )}\r\n\r\n`;
    expect(parseTaskFile('/some/where/my-tasks.jsonl', text)).toEqual([
      { id: 'a', suite: 'my-tasks', messages: [{ role: 'user', content: 'What is 2 + 2?' }], match: 'number', expected: 4, tolerance: 0 },
      { id: '7', suite: 'geo', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Capital of France?' }], match: 'exact', expected: 'Paris', aliases: ['paris'] },
      { id: 'r', suite: 'my-tasks', messages: [{ role: 'user', content: 'Say hi' }], match: 'regex', expected: '^hi', flags: 'i', index: 'docs' },
      {
        id: 'j',
        suite: 'my-tasks',
        messages: [{ role: 'user', content: 'JSON please' }],
        match: 'json_schema',
        expected: { type: 'object' },
        response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } },
      },
    ]);
  });

  it('collects every problem of every line, naming line and field, and starts nothing', () => {
    const text = lines(
      { id: 'ok', prompt: 'fine', expected: 1, match: 'number' },
      '{"id": "broken", ',
      { id: 'm', prompt: 'p', expected: 'x', match: 'fuzzy' },
      { id: 'e', prompt: 'p', match: 'exact' },
      { id: 'x', prompt: 'p', expected: '(a)\\1', match: 'regex' },
      { id: 'ok', prompt: 'again', expected: 2, match: 'number' },
      { id: 't', prompt: 'p', expected: 3, match: 'number', tolerance: -1 },
      { id: 's', prompt: 'p', expected: { type: 'obj' }, match: 'json_schema' },
      { id: 'u', prompt: 'p', expected: 'x', match: 'exact', tolerence: 1 },
      { prompt: 'p', messages: [{ role: 'user', content: 'q' }], expected: 'x', match: 'contains', tolerance: 1 },
    );
    const problems = problemsOf(text);
    expect(problems).toEqual([
      { line: 2, field: null, message: expect.stringMatching(/^not valid JSON/) },
      { line: 3, field: 'match', message: '"fuzzy" is not a match kind (one of exact, number, contains, regex, json_schema, json_equal)' },
      { line: 4, field: 'expected', message: 'missing: what a right answer is, for match "exact"' },
      { line: 5, field: 'expected', message: expect.stringMatching(/^the pattern \/\(a\)\\1\/ cannot be used: .*backreference/) },
      { line: 6, field: 'id', message: '"ok" is already the id of line 1' },
      { line: 7, field: 'tolerance', message: 'must be a non-negative number (an absolute difference), got -1' },
      { line: 8, field: 'expected.type', message: expect.stringMatching(/^not a JSON Schema: must be one of null, boolean/) },
      { line: 9, field: 'tolerence', message: expect.stringMatching(/^unknown field/) },
      { line: 10, field: 'id', message: 'missing: every task needs an id' },
      { line: 10, field: 'prompt', message: 'give either prompt or messages, not both' },
      { line: 10, field: 'tolerance', message: 'only match "number" takes a tolerance, not "contains"' },
    ]);
  });

  it('says it all in one message: file:line: field: problem', () => {
    let message = '';
    try {
      parseTaskFile('t.jsonl', lines({ id: 'a', prompt: 'p', match: 'exact' }, 'nope'));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^t\.jsonl: 2 problems, so the eval did not start:\n {2}t\.jsonl:1: expected: missing[^\n]*\n {2}t\.jsonl:2: not valid JSON/);
  });

  it('refuses unsafe and unsupported patterns and flags', () => {
    expect(problemsOf(lines({ id: 'a', prompt: 'p', expected: '(?=a)a', match: 'regex' }))[0]?.message).toMatch(/lookaround/);
    expect(problemsOf(lines({ id: 'a', prompt: 'p', expected: 'a', match: 'regex', flags: 'm' }))[0]).toMatchObject({ field: 'flags', message: expect.stringMatching(/"m" is not supported/) });
    expect(problemsOf(lines({ id: 'a', prompt: 'p', expected: '(a', match: 'regex' }))[0]?.message).toMatch(/unterminated group/);
    // Nested quantifiers run in linear time, so they are accepted.
    expect(parseTaskFile('t.jsonl', lines({ id: 'a', prompt: 'p', expected: '^(\\w+\\s?)+$', match: 'regex' }))).toHaveLength(1);
  });

  it('checks the message list and the schema fields', () => {
    const problems = problemsOf(
      lines(
        { id: 'a', messages: [{ role: 'robot', content: 'q' }], expected: 'x', match: 'exact' },
        { id: 'b', messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }], expected: 'x', match: 'exact' },
        { id: 'c', prompt: 'p', expected: { type: 'object', properties: { a: { type: 'string', pattern: '(x)\\1' } } }, match: 'json_schema' },
        { id: 'd', prompt: 'p', expected: 'x', match: 'exact', response_format: { type: 'xml' } },
        { id: 'e', prompt: 'p', expected: 5, match: 'contains' },
        { id: 'f', prompt: '', expected: 'x', match: 'exact', aliases: ['y', ''] },
      ),
    );
    expect(problems.map((problem) => [problem.line, problem.field])).toEqual([
      [1, 'messages[0].role'],
      [2, 'messages[1]'],
      [3, 'expected.properties.a.pattern'],
      [4, 'response_format.type'],
      [5, 'expected'],
      [6, 'prompt'],
      [6, 'aliases[1]'],
    ]);
    expect(problems[4]?.message).toMatch(/use match "number"/);
  });

  it('an empty file is a problem; blank lines alone hold no tasks', () => {
    expect(problemsOf('\n\n  \n')).toEqual([{ line: 0, field: null, message: 'the file holds no tasks' }]);
  });

  it('lists at most 50 problems in the message, all of them in problems', () => {
    const text = Array.from({ length: 60 }, () => 'x').join('\n');
    try {
      parseTaskFile('t.jsonl', text);
    } catch (error) {
      expect((error as TaskFileError).problems).toHaveLength(60);
      expect((error as Error).message).toMatch(/… and 10 more$/);
    }
  });
});

describe('readTaskFile', () => {
  let directory = '';
  afterEach(async () => {
    if (directory !== '') await rm(directory, { recursive: true, force: true });
  });

  it('reads the file, and refuses one that is not UTF-8', async () => {
    directory = await mkdtemp(join(tmpdir(), 'rlm-task-file-'));
    const good = join(directory, 'good.jsonl');
    await writeFile(good, `${JSON.stringify({ id: 'a', prompt: 'p', expected: 1, match: 'number' })}\n`);
    expect(await readTaskFile(good)).toMatchObject([{ id: 'a', suite: 'good' }]);
    const bad = join(directory, 'bad.jsonl');
    await writeFile(bad, Buffer.from([0x7b, 0xff, 0x7d]));
    await expect(readTaskFile(bad)).rejects.toMatchObject({ problems: [{ line: 0, field: null, message: 'the file is not UTF-8 text' }] });
  });
});
