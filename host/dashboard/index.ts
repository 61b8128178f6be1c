// The live dashboard: a web page over a running fleet, from the site's own topics.
export { startDashboard, type Dashboard, type DashboardOptions } from "./server.ts";
export { FleetModel, LOST_AFTER_MS, type AgentView, type AlertView, type AuctionView, type DeviceView, type FleetSnapshot, type RolloutView } from "./model.ts";
export { ActionError, NO_KEY, actOnRollout, type ActionResult, type RolloutAction } from "./actions.ts";
