export { loadScenario, parseScenario, ScenarioError } from "./scenario.ts";
export type { Scenario, DeviceSpec, AgentSpec, Expectation } from "./scenario.ts";
export { runScenario } from "./runner.ts";
export type { SimResult, AgentResult, RunOptions } from "./runner.ts";
export { timelineLines, summaryLines, summaryJson } from "./report.ts";
export { parseDuration, formatMs } from "./duration.ts";
