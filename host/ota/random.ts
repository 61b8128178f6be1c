// A seeded PRNG so fault injection is reproducible: the HAL's (mulberry32).
export { seededRandom } from "../hal/rng.ts";
