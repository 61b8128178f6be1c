export { buildAgents, findAgentClass, AgentSourceError } from "./agents.ts";
export type { BuiltAgent, BuildOptions } from "./agents.ts";
export { compileAssemblyScript, CompileError, AGENT_FLAGS, agentFlags } from "./asc.ts";
