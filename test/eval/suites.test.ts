import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertCheckableSchema } from '../../src/orchestrator/checks/client-schemas.js';
import { validateJsonSchema } from '../../src/orchestrator/checks/json-schema.js';
import { numbersIn } from '../../src/eval/answer-number.js';
import { schemaShapeProblem } from '../../src/eval/schema-shape.js';
import { scoreAnswer } from '../../src/eval/scorers.js';
import { DEFAULT_SEED, findSuite, SUITES, suiteNames } from '../../src/eval/suites/index.js';
import { EVAL_DOCS_DIR, EVAL_DOCS_INDEX, retrievalSources } from '../../src/eval/suites/retrieval.js';
import { parseTaskFile } from '../../src/eval/task-file.js';
import { FILE_MATCH_KINDS, type EvalTask } from '../../src/eval/task.js';

const tasksOf = (name: string, seed = DEFAULT_SEED) => (findSuite(name) as NonNullable<ReturnType<typeof findSuite>>).tasks(seed);
const allTasks = () => SUITES.flatMap((suite) => suite.tasks(DEFAULT_SEED));

/** An answer that keeps the task's expectation, as a perfect model would write it. */
function referenceAnswer(task: EvalTask): string {
  switch (task.match) {
    case 'number':
      return `Working it out step by step.\nAnswer: ${task.expected}`;
    case 'exact':
    case 'contains':
      return `It is ${task.expected}.`;
    case 'json_equal':
      return JSON.stringify(task.expected);
    case 'max_words':
      return Array.from({ length: task.expected }, () => 'word').join(' ');
    case 'forbidden_word':
      return 'Something else entirely, said plainly.';
    case 'format': {
      const rule = task.expected;
      if (rule.format === 'bullets') return Array.from({ length: rule.count }, (_, index) => `- item ${index + 1}`).join('\n');
      if (rule.format === 'numbered') return Array.from({ length: rule.count }, (_, index) => `${index + 1}. item`).join('\n');
      if (rule.format === 'uppercase') return 'ALL OF IT.';
      if (rule.format === 'lowercase') return 'all of it.';
      if (rule.format === 'one_line') return 'One line.';
      if (rule.format === 'starts_with') return `${rule.text}, it is.`;
      return `It is. ${rule.text}.`;
    }
    default:
      return '';
  }
}

describe('the built-in suites', () => {
  it('hold several hundred tasks: arithmetic 100, units 60, extraction 40, facts 60, instructions 40, retrieval 30', () => {
    expect(Object.fromEntries(SUITES.map((suite) => [suite.name, suite.tasks(DEFAULT_SEED).length]))).toEqual({ arithmetic: 100, units: 60, extraction: 40, facts: 60, instructions: 40, retrieval: 30 });
    expect(suiteNames()).toEqual(['arithmetic', 'units', 'extraction', 'facts', 'instructions', 'retrieval']);
    expect(findSuite('nope')).toBeUndefined();
  });

  it('number their tasks in order, each in its own suite', () => {
    for (const suite of SUITES) {
      const tasks = suite.tasks(DEFAULT_SEED);
      expect(tasks.map((task) => task.id)).toEqual(tasks.map((_, index) => `${suite.name}-${String(index + 1).padStart(3, '0')}`));
      expect(new Set(tasks.map((task) => task.suite))).toEqual(new Set([suite.name]));
    }
  });

  it('are a function of the seed: the same seed gives the same tasks, another seed other numbers', () => {
    for (const suite of SUITES) {
      expect(suite.tasks(7)).toEqual(suite.tasks(7));
      if (suite.seeded) expect(suite.tasks(8)).not.toEqual(suite.tasks(7));
      else expect(suite.tasks(8)).toEqual(suite.tasks(7));
    }
  });

  it('interleave their templates, so a limited run meets every kind', () => {
    expect(new Set(tasksOf('instructions').slice(0, 9).map((task) => task.match))).toEqual(new Set(['max_words', 'forbidden_word', 'format']));
    expect(new Set(tasksOf('extraction').slice(0, 5).map((task) => task.match))).toEqual(new Set(['json_equal', 'json_schema']));
  });

  it('score a reference answer right, for every task and several seeds', () => {
    for (const seed of [1, 2, 3, 99]) {
      for (const suite of SUITES) {
        for (const task of suite.tasks(seed)) {
          if (task.match === 'json_schema') continue;
          expect({ id: task.id, score: scoreAnswer(task, referenceAnswer(task)) }).toMatchObject({ id: task.id, score: { correct: true } });
        }
      }
    }
  });

  it('keep to the task-file contract where they use its kinds: each line reads back as the same task', () => {
    const fileTasks = allTasks().filter((task) => (FILE_MATCH_KINDS as readonly string[]).includes(task.match));
    const text = fileTasks.map((task) => JSON.stringify(task)).join('\n');
    expect(parseTaskFile('built-in.jsonl', text)).toEqual(fileTasks);
  });

  it('give schemas that are schemas, checkable, and that their expected objects satisfy', () => {
    for (const task of tasksOf('extraction')) {
      const format = task.response_format;
      if (format?.type !== 'json_schema') throw new Error(`${task.id} has no schema`);
      const schema = format.json_schema.schema;
      expect(schemaShapeProblem(schema)).toBeNull();
      expect(() => assertCheckableSchema(schema, 'schema')).not.toThrow();
      if (task.match === 'json_equal') expect(validateJsonSchema(task.expected, schema)).toEqual([]);
      if (task.match === 'json_schema') expect(task.expected).toEqual(schema);
    }
  });

  it('units: an answer rounded to one decimal is right; one off by 2 % is not', () => {
    for (const task of tasksOf('units')) {
      if (task.match !== 'number') throw new Error('units are numbers');
      expect(scoreAnswer(task, `Answer: ${task.expected.toFixed(1)}`).correct).toBe(true);
      const wrong = task.expected + Math.max(Math.abs(task.expected) * 0.02, 0.2);
      expect(scoreAnswer(task, `Answer: ${wrong.toFixed(2)}`).correct).toBe(false);
    }
  });

  it('arithmetic answers are whole numbers', () => {
    for (const task of tasksOf('arithmetic')) expect(Number.isInteger(task.expected)).toBe(true);
  });
});

describe('the retrieval suite and its documents', () => {
  const documents = readdirSync(EVAL_DOCS_DIR).filter((name) => name.endsWith('.md'));

  it('has eight documents, each asked about', () => {
    expect(documents).toHaveLength(8);
    expect(new Set(Object.values(retrievalSources()))).toEqual(new Set(documents));
  });

  it('finds every answer in the document the question names, and every task names the index', () => {
    const sources = retrievalSources();
    for (const task of tasksOf('retrieval')) {
      expect(task.index).toBe(EVAL_DOCS_INDEX);
      const text = readFileSync(join(EVAL_DOCS_DIR, sources[task.id] as string), 'utf8');
      if (task.match === 'number') expect(numbersIn(text).map((token) => token.value)).toContain(task.expected);
      else if (task.match === 'contains') expect(scoreAnswer(task, text)).toMatchObject({ correct: true });
      else throw new Error(`unexpected match ${task.match}`);
    }
  });
});
