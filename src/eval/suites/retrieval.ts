/**
 * Questions about a small bundled document set that need retrieval: eight short Markdown documents
 * in eval/docs/ about Brindlewick Instruments, a company invented for the purpose, so no model
 * knows the answers from its training and only a profile with an index of those documents can
 * find them. Each task names that index (`index`). Answers are scored by `contains` or `number`.
 * The suite is fixed: the seed does not change it.
 *
 * The documents are read from the package's eval/docs/ (beside src/ or dist/, as prompts/ is), so
 * a published package must list "eval" in package.json "files".
 */
import { fileURLToPath } from 'node:url';
import { userMessages, type EvalTask } from '../task.js';
import { ANSWER_LINE, numberedId } from './generate.js';

const SUITE = 'retrieval';

/** The index the tasks name: build it with `rlm index <EVAL_DOCS_DIR> --name rlm-eval-docs`. */
export const EVAL_DOCS_INDEX = 'rlm-eval-docs';
export const EVAL_DOCS_DIR = fileURLToPath(new URL('../../../eval/docs/', import.meta.url));

/** [document, question, answer, ...aliases]; a number answer is scored as a number. */
type Question = readonly [string, string, string | number, ...string[]];

const QUESTIONS: readonly Question[] = [
  ['company-overview.md', 'In which year was Brindlewick Instruments founded?', 2011],
  ['products.md', 'How long does the battery of the Tidewatch T3 last between charges, in months?', 14],
  ['support-policy.md', 'How many years of warranty does a Brindlewick product carry?', 3],
  ['travel-policy.md', 'What is the name of the travel portal Brindlewick employees book trips through?', 'Compass'],
  ['release-notes.md', 'Which Tidewatch T3 firmware version introduced storm mode?', '4.2'],
  ['office-guide.md', 'What is the name of the cafeteria at Brindlewick\u2019s Kestrel Bay headquarters?', 'The Galley', 'Galley'],
  ['history.md', 'Which company did Brindlewick buy in 2021?', 'Marlow Acoustics'],
  ['onboarding.md', 'What is Brindlewick\u2019s mentor programme for new employees called?', 'Anchor Buddies', 'Anchor Buddy'],
  ['company-overview.md', 'Who is the chief executive of Brindlewick Instruments?', 'Orla Fenwick'],
  ['products.md', 'How much does the Drift-9 buoy weigh, in kilograms?', 38],
  ['support-policy.md', 'Within how many days of delivery can an uninstalled Brindlewick product be returned for a refund?', 45],
  ['travel-policy.md', 'Below what distance in kilometres must Brindlewick employees travel by rail?', 600],
  ['release-notes.md', 'By up to how many seconds a day did the clock drift that firmware 4.3 fixed?', 4],
  ['office-guide.md', 'In which town is Brindlewick\u2019s research lab?', 'Lindqvist Harbour', 'Lindqvist Harbor'],
  ['history.md', 'What was the name of Brindlewick\u2019s first product?', 'Tidewatch T1'],
  ['onboarding.md', 'Within how many days of starting must a new Brindlewick employee complete security training?', 10],
  ['company-overview.md', 'How many people does Brindlewick Instruments employ?', 214],
  ['products.md', 'What colour is the Drift-9 buoy\u2019s shell painted?', 'signal amber', 'amber'],
  ['support-policy.md', 'What is the name of the Brindlewick contract that gets customers a same-day replacement unit?', 'Harbour Plus', 'Harbor Plus'],
  ['travel-policy.md', 'What is Brindlewick\u2019s daily meal allowance abroad, in euros?', 85],
  ['release-notes.md', 'On which date was Tidewatch T3 firmware 4.2 released?', '14 March 2024', 'March 14, 2024', '2024-03-14', 'March 14 2024'],
  ['office-guide.md', 'How long is the test tank at Brindlewick\u2019s research lab, in metres?', 25],
  ['history.md', 'How many tide gauges were in Brindlewick\u2019s first large contract, with the Northern Ports Authority?', 60],
  ['onboarding.md', 'What is the name of Brindlewick\u2019s company boat?', 'Petrel', 'the Petrel'],
  ['company-overview.md', 'What is the motto painted above Brindlewick\u2019s workshop door?', 'Measure twice, sail once', 'measure twice sail once'],
  ['products.md', 'What is the upper end of the Saltline S sensor\u2019s salinity range, in PSU?', 42],
  ['support-policy.md', 'Within how many hours does Brindlewick answer a support request marked "station down"?', 4],
  ['office-guide.md', 'At what time does Brindlewick\u2019s cafeteria close on Fridays?', '15:00', '3 pm', '3:00 pm', '3 p.m.', '3pm'],
  ['history.md', 'In which year was the Drift-9 buoy launched?', 2019],
  ['onboarding.md', 'How many days of paid holiday a year does a new Brindlewick employee have?', 27],
];

/** 30 tasks, each with its answer in one document of eval/docs/ (a test checks that). */
export function retrievalTasks(): EvalTask[] {
  return QUESTIONS.map(([, question, answer, ...aliases], index): EvalTask => {
    const common = { id: numberedId(SUITE, index), suite: SUITE, index: EVAL_DOCS_INDEX };
    const asked = `Using Brindlewick Instruments' internal documents, answer: ${question}`;
    if (typeof answer === 'number') return { ...common, messages: userMessages(`${asked}\n${ANSWER_LINE}`), match: 'number', expected: answer, tolerance: 0 };
    return { ...common, messages: userMessages(`${asked} Answer in a few words.`), match: 'contains', expected: answer, aliases };
  });
}

/** Which document holds each task's answer, by task id: for the suite's own test, and for a report that wants to show it. */
export function retrievalSources(): Record<string, string> {
  return Object.fromEntries(QUESTIONS.map(([document], index) => [numberedId(SUITE, index), document]));
}
