/**
 * Short factual questions with reference answers and accepted aliases, written by hand: capitals,
 * chemical elements, simple science, and a few of geography, language and culture, chosen to have
 * one uncontroversial answer. Answers are scored by `contains` (the reference or an alias as a
 * whole word, case-insensitively) or, for numbers, by `number`. The suite is fixed: the seed
 * does not change it.
 */
import { userMessages, type EvalTask } from '../task.js';
import { ANSWER_LINE, numberedId } from './generate.js';

const SUITE = 'facts';

/** [question, answer, ...aliases]; a number answer is scored as a number. */
type Fact = readonly [string, string | number, ...string[]];

const FACTS: readonly Fact[] = [
  ['What is the capital of France?', 'Paris'],
  ['What is the chemical symbol for gold?', 'Au'],
  ['Which planet is the largest in the Solar System?', 'Jupiter'],
  ['What is the capital of Japan?', 'Tokyo'],
  ['Which element has the atomic number 1?', 'hydrogen'],
  ['Which organelle is known as the powerhouse of the cell?', 'mitochondria', 'mitochondrion'],
  ['What is the capital of Australia?', 'Canberra'],
  ['What is the chemical symbol for iron?', 'Fe'],
  ['Which planet is closest to the Sun?', 'Mercury'],
  ['What is the capital of Canada?', 'Ottawa'],
  ['What is the chemical symbol for sodium?', 'Na'],
  ['How many bones are there in the adult human body?', 206],
  ['What is the capital of Brazil?', 'Brasília', 'Brasilia'],
  ['Which element has the chemical symbol Ag?', 'silver'],
  ['Which planet is known as the Red Planet?', 'Mars'],
  ['What is the capital of Egypt?', 'Cairo'],
  ['What is the chemical symbol for lead?', 'Pb'],
  ['Which gas makes up most of the Earth\u2019s atmosphere?', 'nitrogen', 'N2'],
  ['What is the capital of Kenya?', 'Nairobi'],
  ['Which element has the atomic number 2?', 'helium'],
  ['At what temperature in degrees Celsius does pure water boil at sea level?', 100],
  ['What is the capital of Italy?', 'Rome', 'Roma'],
  ['What is the chemical symbol for copper?', 'Cu'],
  ['What is the SI unit of force?', 'newton', 'newtons'],
  ['What is the capital of Spain?', 'Madrid'],
  ['What is the chemical symbol for mercury?', 'Hg'],
  ['Which gas do plants take in from the air for photosynthesis?', 'carbon dioxide', 'CO2', 'CO\u2082'],
  ['What is the capital of Germany?', 'Berlin'],
  ['What is the chemical formula of table salt?', 'NaCl', 'sodium chloride'],
  ['How many legs does a spider have?', 8],
  ['What is the capital of Argentina?', 'Buenos Aires'],
  ['What is the chemical symbol for tin?', 'Sn'],
  ['What is the unit of electrical resistance?', 'ohm', 'ohms', '\u03a9'],
  ['What is the capital of South Korea?', 'Seoul'],
  ['Which element has the atomic number 6?', 'carbon'],
  ['What is the hardest naturally occurring mineral?', 'diamond'],
  ['What is the capital of Turkey?', 'Ankara'],
  ['What is the chemical symbol for potassium?', 'K'],
  ['How many planets are there in the Solar System?', 8],
  ['What is the capital of Norway?', 'Oslo'],
  ['What is the chemical symbol for chlorine?', 'Cl'],
  ['What is the largest ocean on Earth?', 'Pacific'],
  ['What is the capital of Peru?', 'Lima'],
  ['Which element has the atomic number 8?', 'oxygen'],
  ['What is the tallest mountain above sea level?', 'Everest', 'Mount Everest', 'Chomolungma', 'Sagarmatha'],
  ['What is the capital of Thailand?', 'Bangkok'],
  ['What is the chemical symbol for helium?', 'He'],
  ['Who wrote the play Romeo and Juliet?', 'Shakespeare', 'William Shakespeare'],
  ['What is the capital of Poland?', 'Warsaw', 'Warszawa'],
  ['Who painted the Mona Lisa?', 'Leonardo da Vinci', 'Leonardo', 'da Vinci'],
  ['What is the currency of Japan?', 'yen'],
  ['What is the capital of Portugal?', 'Lisbon', 'Lisboa'],
  ['Which language is most widely spoken in Brazil?', 'Portuguese'],
  ['How many days are there in a leap year?', 366],
  ['What is the capital of Vietnam?', 'Hanoi', 'Ha Noi'],
  ['On which continent is Egypt mostly located?', 'Africa'],
  ['What is the largest hot desert in the world?', 'Sahara'],
  ['What is the capital of Mexico?', 'Mexico City', 'Ciudad de México', 'CDMX'],
  ['How many sides does a hexagon have?', 6],
  ['What is the freezing point of pure water in degrees Fahrenheit?', 32],
];

/** 60 tasks, in a fixed order that mixes the kinds. */
export function factTasks(): EvalTask[] {
  return FACTS.map(([question, answer, ...aliases], index): EvalTask => {
    const common = { id: numberedId(SUITE, index), suite: SUITE };
    if (typeof answer === 'number') {
      return { ...common, messages: userMessages(`${question}\n${ANSWER_LINE}`), match: 'number', expected: answer, tolerance: 0 };
    }
    return { ...common, messages: userMessages(`${question} Answer in a few words.`), match: 'contains', expected: answer, aliases };
  });
}
