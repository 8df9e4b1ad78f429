/**
 * Arithmetic and word problems with exact whole-number answers, generated from templates with a
 * seed: bare operations, multi-step expressions, and short word problems. Divisions are built
 * from their quotient, so every answer is a whole number; tolerance 0.
 */
import { userMessages, type EvalTask } from '../task.js';
import { ANSWER_LINE, draw, interleave, numberedId, type Draw } from './generate.js';

const SUITE = 'arithmetic';
const NAMES = ['Maya', 'Tom', 'Priya', 'Lukas', 'Amara', 'Kenji', 'Sofia', 'Omar', 'Lena', 'Diego'];
const ITEMS = ['apples', 'pencils', 'stickers', 'marbles', 'cards', 'stamps'];

type Problem = { question: string; answer: number };
type Template = (draw: Draw) => Problem;

const TEMPLATES: Template[] = [
  (d) => {
    const [a, b] = [d.int(120, 9999), d.int(120, 9999)];
    return { question: `What is ${a} + ${b}?`, answer: a + b };
  },
  (d) => {
    const [a, b] = [d.int(500, 9999), d.int(100, 4999)];
    return { question: `What is ${a} - ${b}?`, answer: a - b };
  },
  (d) => {
    const [a, b] = [d.int(12, 99), d.int(12, 99)];
    return { question: `What is ${a} × ${b}?`, answer: a * b };
  },
  (d) => {
    const [a, b, c] = [d.int(10, 99), d.int(10, 99), d.int(3, 12)];
    return { question: `What is (${a} + ${b}) × ${c}?`, answer: (a + b) * c };
  },
  (d) => {
    const [quotient, divisor, added] = [d.int(6, 60), d.int(3, 15), d.int(5, 95)];
    return { question: `What is ${quotient * divisor} ÷ ${divisor} + ${added}?`, answer: quotient + added };
  },
  (d) => {
    const [a, b, c] = [d.int(11, 40), d.int(11, 40), d.int(50, 900)];
    return { question: `What is ${a} × ${b} - ${c}?`, answer: a * b - c };
  },
  (d) => {
    const [name, item] = [d.pick(NAMES), d.pick(ITEMS)];
    const [start, packs, perPack] = [d.int(3, 40), d.int(2, 9), d.int(4, 24)];
    return { question: `${name} has ${start} ${item} and buys ${packs} packs of ${perPack} ${item} each. How many ${item} does ${name} have now?`, answer: start + packs * perPack };
  },
  (d) => {
    const [speed, hours] = [d.int(40, 120), d.int(2, 9)];
    return { question: `A train travels at a constant ${speed} km per hour for ${hours} hours. How many kilometres does it travel?`, answer: speed * hours };
  },
  (d) => {
    const name = d.pick(NAMES);
    const [start, first, second] = [d.int(60, 500), d.int(5, 40), d.int(5, 40)];
    return { question: `${name} had ${start} dollars, spent ${first} dollars on lunch and ${second} dollars on a book. How many dollars are left?`, answer: start - first - second };
  },
  (d) => {
    const [groups, size] = [d.int(4, 30), d.int(3, 12)];
    return { question: `${groups * size} students are split into groups of ${size}. How many groups are there?`, answer: groups };
  },
  (d) => {
    const [width, length] = [d.int(3, 40), d.int(3, 40)];
    return { question: `A rectangular garden is ${width} metres wide and ${length} metres long. What is its area in square metres?`, answer: width * length };
  },
  (d) => {
    const [days, perDay] = [d.int(5, 40), d.int(8, 30)];
    return { question: `A book has ${days * perDay} pages. Reading ${perDay} pages a day, how many days does it take to finish it?`, answer: days };
  },
  (d) => {
    const [start, drop] = [d.int(-5, 15), d.int(8, 30)];
    return { question: `The temperature was ${start} °C at noon and fell by ${drop} degrees by midnight. What was the temperature at midnight, in °C?`, answer: start - drop };
  },
  (d) => {
    const [price, count, paid] = [d.int(2, 12), d.int(2, 8), 100];
    return { question: `Notebooks cost ${price} dollars each. How many dollars of change do you get from ${paid} dollars after buying ${count} notebooks?`, answer: paid - price * count };
  },
];

const PER_TEMPLATE = [7, 7, 7, 7, 7, 7, 8, 7, 7, 7, 7, 7, 7, 8];

/** 100 tasks. */
export function arithmeticTasks(seed: number): EvalTask[] {
  const d = draw(seed, SUITE);
  const groups = TEMPLATES.map((template, index) => Array.from({ length: PER_TEMPLATE[index] as number }, () => template(d)));
  return interleave(groups).map((problem, index) => ({
    id: numberedId(SUITE, index),
    suite: SUITE,
    messages: userMessages(`${problem.question}\n${ANSWER_LINE}`),
    match: 'number',
    expected: problem.answer,
    tolerance: 0,
  }));
}
