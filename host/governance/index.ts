// Governance: the site's policy on data egress and publish rates, enforced in the kernel,
// and a tamper-evident audit log of what was granted, refused, awarded and updated.
export { DATA_CLASSES, loadPolicy, parsePolicy, PolicyError, type DataClass, type RateLimit, type SitePolicy, type TaskRule, type UpdateRule } from "./policy.ts";
export { UpdateGate, updateRuleOf, type UpdateManifest } from "./updates.ts";
export { PolicyGate, sensorClass } from "./gate.ts";
export { BrokerGate } from "./broker-gate.ts";
export { taskRuleOf } from "./task-priority.ts";
export { AuditLog, verifyAudit, type AuditRecord, type AuditVerdict } from "./audit.ts";
export { auditFromTrace } from "./from-trace.ts";
