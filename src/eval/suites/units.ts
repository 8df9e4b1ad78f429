/**
 * Unit conversions, generated with a seed: twelve conversions, five values each. The answer is
 * asked to one decimal place; the tolerance is 1 % of the expected value, and at least 0.06, so
 * the rounding asked for and the usual rounded factors (1 mile ≈ 1.6 km, 1 kg ≈ 2.2 lb) pass while
 * a wrong conversion does not.
 */
import { userMessages, type EvalTask } from '../task.js';
import { ANSWER_LINE, draw, interleave, numberedId, round } from './generate.js';

const SUITE = 'units';

interface Conversion {
  from: string;
  to: string;
  /** The values to convert: whole numbers in [low, high], times `step`. */
  low: number;
  high: number;
  step: number;
  convert: (value: number) => number;
}

const CONVERSIONS: Conversion[] = [
  { from: 'kilometres', to: 'miles', low: 2, high: 400, step: 1, convert: (km) => km / 1.609344 },
  { from: 'miles', to: 'kilometres', low: 2, high: 300, step: 1, convert: (miles) => miles * 1.609344 },
  { from: 'kilograms', to: 'pounds', low: 1, high: 150, step: 1, convert: (kg) => kg / 0.45359237 },
  { from: 'pounds', to: 'kilograms', low: 1, high: 300, step: 1, convert: (pounds) => pounds * 0.45359237 },
  { from: 'degrees Celsius', to: 'degrees Fahrenheit', low: -8, high: 20, step: 5, convert: (celsius) => (celsius * 9) / 5 + 32 },
  { from: 'degrees Fahrenheit', to: 'degrees Celsius', low: -4, high: 212, step: 1, convert: (fahrenheit) => ((fahrenheit - 32) * 5) / 9 },
  { from: 'inches', to: 'centimetres', low: 1, high: 120, step: 1, convert: (inches) => inches * 2.54 },
  { from: 'metres', to: 'feet', low: 1, high: 500, step: 1, convert: (metres) => metres / 0.3048 },
  { from: 'litres', to: 'US gallons', low: 2, high: 200, step: 1, convert: (litres) => litres / 3.785411784 },
  { from: 'kilometres per hour', to: 'metres per second', low: 5, high: 300, step: 1, convert: (kmh) => kmh / 3.6 },
  { from: 'hours', to: 'minutes', low: 2, high: 60, step: 0.25, convert: (hours) => hours * 60 },
  { from: 'grams', to: 'ounces', low: 10, high: 1000, step: 5, convert: (grams) => grams / 28.349523125 },
];

const PER_CONVERSION = 5;

/** 60 tasks. */
export function unitTasks(seed: number): EvalTask[] {
  const d = draw(seed, SUITE);
  const groups = CONVERSIONS.map((conversion) =>
    Array.from({ length: PER_CONVERSION }, () => {
      const value = round(d.int(conversion.low, conversion.high) * conversion.step, 2);
      const expected = round(conversion.convert(value), 4);
      return { conversion, value, expected };
    }),
  );
  return interleave(groups).map(({ conversion, value, expected }, index) => ({
    id: numberedId(SUITE, index),
    suite: SUITE,
    messages: userMessages(`Convert ${value} ${conversion.from} to ${conversion.to}. Give the result to one decimal place.\n${ANSWER_LINE}`),
    match: 'number',
    expected,
    tolerance: unitTolerance(expected),
  }));
}

/** 1 % of the expected value, at least 0.06 (rounding to one decimal moves a value by up to 0.05). */
export function unitTolerance(expected: number): number {
  return round(Math.max(0.01 * Math.abs(expected), 0.06), 4);
}
