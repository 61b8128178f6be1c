export { loadScenario, parseScenario, ScenarioError } from "./scenario.ts";
export type { Scenario, DeviceSpec, AgentSpec, Expectation } from "./scenario.ts";
export { runScenario } from "./runner.ts";
export type { SimResult, AgentResult, RunOptions } from "./runner.ts";
export { timelineLines, summaryLines, summaryJson, detailed, realTimeFactor, type SummaryJson } from "./report.ts";
export { selectTrace, writeTrace, TRACE_LIMIT, type TraceWritten } from "./trace-file.ts";
export { roundedText, shortBody, jsonBodies } from "./body-text.ts";
export { DETAIL_LIMIT } from "./aggregate.ts";
export { parseDuration, formatMs } from "./duration.ts";
