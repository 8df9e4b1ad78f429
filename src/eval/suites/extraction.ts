/**
 * Extraction into a JSON schema, generated with a seed. 32 tasks give a short text and a schema;
 * the answer must be JSON equal to the object the text states (json_equal: key order aside,
 * numbers as numbers), and that object is valid against the schema, which the request also sends
 * as its response_format. 8 more ask for an invented object of a given shape: any JSON valid
 * against the schema is right (json_schema).
 */
import type { OpenAIResponseFormat } from '../../types/openai.js';
import { userMessages, type EvalTask } from '../task.js';
import { draw, interleave, numberedId, round, type Draw } from './generate.js';

const SUITE = 'extraction';

const FIRST = ['Ana', 'Bruno', 'Chiara', 'Dmitri', 'Esther', 'Farid', 'Greta', 'Hiro', 'Ines', 'Jonas', 'Keira', 'Luca'];
const LAST = ['Silva', 'Moreau', 'Rossi', 'Ivanov', 'Cohen', 'Haddad', 'Lind', 'Tanaka', 'García', 'Berg', 'Walsh', 'Conti'];
const CITIES = ['Lisbon', 'Lyon', 'Turin', 'Tallinn', 'Haifa', 'Porto', 'Malmö', 'Osaka', 'Seville', 'Bergen', 'Cork', 'Bologna'];
const JOBS = ['nurse', 'carpenter', 'pilot', 'teacher', 'chemist', 'baker', 'architect', 'librarian'];
const PRODUCTS = ['notebook', 'desk lamp', 'water bottle', 'backpack', 'stapler', 'headphones'];
const EVENTS = ['Harbour Jazz Night', 'Spring Book Fair', 'City Marathon', 'Robotics Expo', 'Folk Dance Gala', 'Winter Market'];
const VENUES = ['Riverside Hall', 'the Old Mill', 'Central Park Pavilion', 'the Grand Theatre', 'Pier 9'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

type Schema = Record<string, unknown>;

function objectSchema(properties: Record<string, Schema>): Schema {
  return { type: 'object', properties, required: Object.keys(properties), additionalProperties: false };
}

const PERSON = objectSchema({ name: { type: 'string' }, age: { type: 'integer' }, city: { type: 'string' }, occupation: { type: 'string' } });
const ORDER = objectSchema({ order_id: { type: 'string' }, product: { type: 'string' }, quantity: { type: 'integer' }, unit_price: { type: 'number' } });
const EVENT = objectSchema({ event: { type: 'string' }, date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' }, venue: { type: 'string' } });
const CONTACT = objectSchema({ name: { type: 'string' }, email: { type: 'string' }, phone: { type: 'string' } });

interface Extraction {
  text: string;
  schema: Schema;
  expected: Record<string, unknown>;
}

const TEMPLATES: ((d: Draw) => Extraction)[] = [
  (d) => {
    const [name, age, city, occupation] = [`${d.pick(FIRST)} ${d.pick(LAST)}`, d.int(19, 78), d.pick(CITIES), d.pick(JOBS)];
    const text = d.pick([
      `${name} is ${age} years old, lives in ${city} and works as a ${occupation}.`,
      `Living in ${city}, the ${occupation} ${name} turned ${age} this year.`,
    ]);
    return { text, schema: PERSON, expected: { name, age, city, occupation } };
  },
  (d) => {
    const [id, quantity, product] = [`ORD-${d.int(1000, 9999)}`, d.int(2, 40), d.pick(PRODUCTS)];
    const unitPrice = round(d.int(150, 9999) / 100, 2);
    const text = `Order ${id}: ${quantity} × ${product} at ${unitPrice.toFixed(2)} euros each, to be shipped to ${d.pick(CITIES)} next week.`;
    return { text, schema: ORDER, expected: { order_id: id, product, quantity, unit_price: unitPrice } };
  },
  (d) => {
    const [event, venue, year, month, day] = [d.pick(EVENTS), d.pick(VENUES), d.int(2024, 2030), d.int(1, 12), d.int(1, 28)];
    const text = `The ${event} takes place on ${MONTHS[month - 1]} ${day}, ${year} at ${venue}; doors open at 7 pm.`;
    const date = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
    return { text, schema: EVENT, expected: { event, date, venue } };
  },
  (d) => {
    const [first, last] = [d.pick(FIRST), d.pick(LAST)];
    const name = `${first} ${last}`;
    const email = `${first.toLowerCase()}.${last.toLowerCase().normalize('NFD').replace(/\p{M}/gu, '')}@example.org`;
    const phone = `+44 20 ${d.int(1000, 9999)} ${d.int(1000, 9999)}`;
    return { text: `For bookings, contact ${name} by email at ${email} or by phone on ${phone}.`, schema: CONTACT, expected: { name, email, phone } };
  },
];

/** Invented objects: any answer valid against the schema is right. */
const SHAPES: { what: string; schema: Schema }[] = [
  { what: 'a fictional book', schema: objectSchema({ title: { type: 'string', minLength: 1 }, author: { type: 'string', minLength: 1 }, year: { type: 'integer', minimum: 1900, maximum: 2020 } }) },
  { what: 'a fictional city', schema: objectSchema({ name: { type: 'string', minLength: 1 }, population: { type: 'integer', minimum: 1000 }, coastal: { type: 'boolean' } }) },
  { what: 'a product in a shop', schema: objectSchema({ name: { type: 'string', minLength: 1 }, price: { type: 'number', exclusiveMinimum: 0 }, tags: { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 4 } }) },
  { what: 'a pet', schema: objectSchema({ name: { type: 'string', minLength: 1 }, species: { type: 'string', enum: ['cat', 'dog', 'rabbit', 'parrot'] }, age_years: { type: 'integer', minimum: 0, maximum: 30 } }) },
  { what: 'a song', schema: objectSchema({ title: { type: 'string', minLength: 1 }, duration_seconds: { type: 'integer', minimum: 60, maximum: 600 }, explicit: { type: 'boolean' } }) },
  { what: 'a recipe', schema: objectSchema({ dish: { type: 'string', minLength: 1 }, servings: { type: 'integer', minimum: 1, maximum: 12 }, ingredients: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 3 } }) },
  { what: 'a car for sale', schema: objectSchema({ make: { type: 'string', minLength: 1 }, year: { type: 'integer', minimum: 1990, maximum: 2025 }, colour: { type: 'string', enum: ['red', 'blue', 'black', 'white', 'silver'] } }) },
  { what: 'a planet in a science-fiction story', schema: objectSchema({ name: { type: 'string', minLength: 1 }, moons: { type: 'integer', minimum: 0, maximum: 20 }, habitable: { type: 'boolean' } }) },
];

const PER_TEMPLATE = 8;

function responseFormat(name: string, schema: Schema): OpenAIResponseFormat {
  return { type: 'json_schema', json_schema: { name, schema, strict: true } };
}

/** "name (string), year (integer, 1900 to 2020)": the fields as the prompt names them, bounds included. */
function fieldList(schema: Schema): string {
  const properties = schema.properties as Record<string, Schema>;
  return Object.entries(properties)
    .map(([name, property]) => `${name} (${[property.type as string, ...bounds(property)].join(', ')})`)
    .join(', ');
}

function bounds(property: Schema): string[] {
  const notes: string[] = [];
  if (Array.isArray(property.enum)) notes.push(`one of ${(property.enum as string[]).join(', ')}`);
  if (property.minimum !== undefined && property.maximum !== undefined) notes.push(`${property.minimum} to ${property.maximum}`);
  else if (property.minimum !== undefined) notes.push(`at least ${property.minimum}`);
  if (property.exclusiveMinimum !== undefined) notes.push(`above ${property.exclusiveMinimum}`);
  if (property.minLength !== undefined) notes.push('not empty');
  const items = property.items as Schema | undefined;
  if (items !== undefined) notes.push(`of ${items.type as string}s`);
  if (property.minItems !== undefined && property.maxItems !== undefined) notes.push(`${property.minItems} to ${property.maxItems} items`);
  else if (property.minItems !== undefined) notes.push(`at least ${property.minItems} items`);
  return notes;
}

type Entry = { kind: 'extract'; extraction: Extraction } | { kind: 'invent'; what: string; schema: Schema };

/** 40 tasks: every fifth one (5th, 10th, …) asks for an invented object, so a limited run meets both kinds. */
export function extractionTasks(seed: number): EvalTask[] {
  const d = draw(seed, SUITE);
  const entries: Entry[] = interleave(TEMPLATES.map((template) => Array.from({ length: PER_TEMPLATE }, () => template(d)))).map((extraction) => ({ kind: 'extract', extraction }));
  SHAPES.forEach((shape, offset) => entries.splice(offset * 5 + 4, 0, { kind: 'invent', ...shape }));
  return entries.map((entry, index): EvalTask => {
    const common = { id: numberedId(SUITE, index), suite: SUITE };
    if (entry.kind === 'invent') {
      return {
        ...common,
        messages: userMessages(`Invent ${entry.what} and describe it as a JSON object with exactly these fields: ${fieldList(entry.schema)}. Reply with the JSON object only.`),
        match: 'json_schema',
        expected: entry.schema,
        response_format: responseFormat('invented', entry.schema),
      };
    }
    const { text, schema, expected } = entry.extraction;
    return {
      ...common,
      messages: userMessages(`Extract these fields from the text as a JSON object: ${fieldList(schema)}.${'date' in (schema.properties as Schema) ? ' Write the date as YYYY-MM-DD.' : ''} Reply with the JSON object only.\n\nText: ${text}`),
      match: 'json_equal',
      expected,
      response_format: responseFormat('extraction', schema),
    };
  });
}
