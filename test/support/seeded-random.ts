/** The seeded PRNG (mulberry32) for tests and benchmarks: the one in src/utils, so a suite and its test draw alike. */
export { seededRandom } from '../../src/utils/seeded-random.js';
