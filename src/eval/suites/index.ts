/**
 * The task suites shipped with rlm, by name. Each gives its tasks in a fixed order, so `--limit N`
 * takes the same first N every time, and the generated ones draw their numbers from the seed, so
 * a run can be repeated exactly (or, with another seed, on fresh numbers).
 */
import type { EvalTask } from '../task.js';
import { arithmeticTasks } from './arithmetic.js';
import { extractionTasks } from './extraction.js';
import { factTasks } from './facts.js';
import { instructionTasks } from './instructions.js';
import { retrievalTasks } from './retrieval.js';
import { unitTasks } from './units.js';

export const DEFAULT_SEED = 1;

export interface SuiteDefinition {
  name: string;
  description: string;
  /** Whether the seed changes the tasks (the hand-written suites ignore it). */
  seeded: boolean;
  tasks(seed: number): EvalTask[];
}

export const SUITES: readonly SuiteDefinition[] = [
  { name: 'arithmetic', description: 'arithmetic and word problems with exact whole-number answers', seeded: true, tasks: arithmeticTasks },
  { name: 'units', description: 'unit conversions, right within 1 %', seeded: true, tasks: unitTasks },
  { name: 'extraction', description: 'extraction into a JSON schema, and invented objects of a given shape', seeded: true, tasks: extractionTasks },
  { name: 'facts', description: 'short factual questions with reference answers and aliases', seeded: false, tasks: factTasks },
  { name: 'instructions', description: 'instructions with a checkable constraint: word limits, forbidden words, formats', seeded: true, tasks: instructionTasks },
  { name: 'retrieval', description: 'questions about the bundled documents in eval/docs/ (needs a profile with their index)', seeded: false, tasks: retrievalTasks },
];

export function findSuite(name: string): SuiteDefinition | undefined {
  return SUITES.find((suite) => suite.name === name);
}

export function suiteNames(): string[] {
  return SUITES.map((suite) => suite.name);
}
