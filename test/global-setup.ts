// Runs once before the whole vitest run: builds the shipped and the test agents,
// so test files (in parallel processes) only read them.
import { buildTestAgents } from "./kernel/helpers.ts";

export default async function setup(): Promise<void> {
  await buildTestAgents();
}
