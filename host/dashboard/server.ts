// The dashboard's HTTP server (node:http): the page, its script, the live model over
// Server-Sent Events, and the operator's actions as POSTs. It reads the site through its own
// MQTT subscription, like any other client of the broker.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import mqtt, { type MqttClient } from "mqtt";
import { mqttTransport, type PublisherKey } from "../ota/index.ts";
import { ActionError, actOnRollout, type RolloutAction } from "./actions.ts";
import { FleetModel } from "./model.ts";
import { bundlePage } from "./page-bundle.ts";
import { PAGE_HTML } from "./page-html.ts";

export interface DashboardOptions {
  brokerUrl: string;
  site: string;
  port?: number;
  host?: string;
  /** the site's publisher key; without it halt and rollback are refused */
  key?: PublisherKey | null;
  /** how often the model is pushed to the pages, ms */
  pushEveryMs?: number;
}

export interface Dashboard {
  readonly url: string;
  readonly model: FleetModel;
  close(): Promise<void>;
}

export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const script = await bundlePage();
  const model = new FleetModel(o.site);
  let client: MqttClient;
  try {
    client = await mqtt.connectAsync(o.brokerUrl, { clientId: `colony-dashboard-${process.pid}-${Date.now() % 1e6}`, connectTimeout: 5000, reconnectPeriod: 1000, log: () => undefined });
  } catch (e) {
    throw new Error(`cannot reach the broker at ${o.brokerUrl}: ${(e as Error).message}`);
  }
  client.on("message", (topic, payload) => model.take(topic, payload));
  await client.subscribeAsync(model.filter, { qos: 0 });
  const transport = mqttTransport(client);
  const streams = new Set<ServerResponse>();

  const send = (res: ServerResponse, status: number, type: string, body: string): void => {
    res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
    res.end(body);
  };
  const json = (res: ServerResponse, status: number, v: unknown): void => send(res, status, "application/json", JSON.stringify(v));

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://dashboard");
    if (req.method === "GET" && url.pathname === "/") return send(res, 200, "text/html; charset=utf-8", PAGE_HTML);
    if (req.method === "GET" && url.pathname === "/app.js") return send(res, 200, "text/javascript; charset=utf-8", script);
    if (req.method === "GET" && url.pathname === "/api/snapshot") return json(res, 200, model.snapshot());
    if (req.method === "GET" && url.pathname === "/events") {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
      res.write(`retry: 1000\nevent: config\ndata: ${JSON.stringify({ site: o.site, broker: o.brokerUrl, key: o.key ? o.key.id : null })}\n\n`);
      res.write(`data: ${JSON.stringify(model.snapshot())}\n\n`);
      streams.add(res);
      req.on("close", () => streams.delete(res));
      return;
    }
    const action = /^\/api\/rollouts\/([^/]+)\/(halt|rollback)$/.exec(url.pathname);
    if (action) {
      if (req.method !== "POST") return json(res, 405, { error: `${url.pathname} takes POST` });
      try {
        const r = await actOnRollout({ transport, site: o.site, model, key: o.key ?? null, id: decodeURIComponent(action[1]!), action: action[2] as RolloutAction });
        return json(res, 200, r);
      } catch (e) {
        return json(res, e instanceof ActionError ? e.status : 500, { error: (e as Error).message });
      }
    }
    json(res, 404, { error: `no such page: ${req.method} ${url.pathname}` });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => json(res, 500, { error: (e as Error).message }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e) => reject(new Error(`cannot listen on port ${o.port ?? 8080}: ${e.message}`)));
    server.listen(o.port ?? 8080, o.host ?? "127.0.0.1", resolve);
  });
  let pushed = -1;
  const timer = setInterval(() => {
    if (streams.size === 0) return;
    // the rates and lost devices change with time alone: push at least every second
    if (pushed === model.version && Date.now() % 1000 > (o.pushEveryMs ?? 500)) return;
    pushed = model.version;
    const data = `data: ${JSON.stringify(model.snapshot())}\n\n`;
    for (const s of streams) s.write(data);
  }, o.pushEveryMs ?? 500);
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${o.host ?? "127.0.0.1"}:${port}/`,
    model,
    async close() {
      clearInterval(timer);
      for (const s of streams) s.end();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await client.endAsync(true);
    },
  };
}
