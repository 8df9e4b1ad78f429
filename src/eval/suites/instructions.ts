/**
 * Instructions with a checkable constraint, generated with a seed: a word limit, a forbidden word,
 * or a format (a bulleted or numbered list of a given length, all capitals, all lowercase, one
 * line, a required first or last word). Only the constraint is scored (constraints.ts), so the
 * score is deterministic; what the answer says is left to the model.
 */
import { userMessages, type EvalTask, type FormatRule, type TaskScorer } from '../task.js';
import { draw, interleave, numberedId, type Draw } from './generate.js';

const SUITE = 'instructions';

const TOPICS = ['the ocean', 'a thunderstorm', 'your favourite season', 'a busy train station', 'autumn leaves', 'a mountain village', 'the night sky', 'a bakery in the morning', 'a desert at noon', 'a quiet library', 'a football match', 'a rainforest'];
/** A subject, and the word that explaining it without is a real constraint. */
const WITHOUT: readonly [string, string][] = [
  ['how rain forms', 'water'],
  ['what a library is', 'books'],
  ['how bees make honey', 'flowers'],
  ['what the Sun is', 'star'],
  ['how a bicycle moves', 'pedals'],
  ['what bread is made from', 'flour'],
  ['why we need sleep', 'tired'],
  ['what a calendar is for', 'days'],
  ['how a refrigerator keeps food fresh', 'cold'],
  ['what a teacher does', 'students'],
  ['how plants grow', 'sunlight'],
  ['what a map shows', 'places'],
];
const LISTABLE = ['fruits', 'colours', 'musical instruments', 'countries in Europe', 'kinds of trees', 'sports played with a ball', 'tools a carpenter uses', 'things found in a kitchen'];

type Instruction = { prompt: string; scorer: TaskScorer };

const TEMPLATES: { count: number; make: (d: Draw, index: number) => Instruction }[] = [
  {
    count: 10,
    make: (d) => {
      const limit = d.int(8, 20);
      return { prompt: `Describe ${d.pick(TOPICS)} in at most ${limit} words.`, scorer: { match: 'max_words', expected: limit } };
    },
  },
  {
    count: 10,
    make: (_d, index) => {
      const [subject, word] = WITHOUT[index % WITHOUT.length] as [string, string];
      return { prompt: `In two or three sentences, explain ${subject} without using the word "${word}".`, scorer: { match: 'forbidden_word', expected: [word] } };
    },
  },
  {
    count: 5,
    make: (d) => {
      const count = d.int(3, 6);
      return format(`List ${count} ${d.pick(LISTABLE)} as a bulleted list: one item per line, each line starting with "- ", and nothing else.`, { format: 'bullets', count });
    },
  },
  {
    count: 5,
    make: (d) => {
      const count = d.int(3, 6);
      return format(`List ${count} ${d.pick(LISTABLE)} as a numbered list ("1.", "2.", …), one item per line, and nothing else.`, { format: 'numbered', count });
    },
  },
  { count: 3, make: (d) => format(`Write one sentence about ${d.pick(TOPICS)}, entirely in capital letters.`, { format: 'uppercase' }) },
  { count: 2, make: (d) => format(`Write one sentence about ${d.pick(TOPICS)}, entirely in lowercase letters, with no capital letter anywhere.`, { format: 'lowercase' }) },
  { count: 2, make: (d) => format(`Describe ${d.pick(TOPICS)} in a single line of text, with no line breaks.`, { format: 'one_line' }) },
  { count: 2, make: (d) => format(`Is ${d.pick(TOPICS)} a good subject for a painting? Start your reply with the word "Certainly".`, { format: 'starts_with', text: 'Certainly' }) },
  { count: 1, make: (d) => format(`Write two sentences about ${d.pick(TOPICS)}, and end your reply with the word "Done".`, { format: 'ends_with', text: 'Done' }) },
];

function format(prompt: string, rule: FormatRule): Instruction {
  return { prompt, scorer: { match: 'format', expected: rule } };
}

/** 40 tasks. */
export function instructionTasks(seed: number): EvalTask[] {
  const d = draw(seed, SUITE);
  const groups = TEMPLATES.map((template) => Array.from({ length: template.count }, (_, index) => template.make(d, index)));
  return interleave(groups).map((instruction, index) => ({ id: numberedId(SUITE, index), suite: SUITE, messages: userMessages(instruction.prompt), ...instruction.scorer }));
}
