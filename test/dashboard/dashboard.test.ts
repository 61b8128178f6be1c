// End to end in headless Chromium: the OTA scenario runs in real time on an embedded broker,
// two dashboards watch it (one without a key, one with the site's publisher key), and the
// page is driven as an operator would: devices listed, one clicked, the rollout seen to
// progress and halt, actions refused without the key and carried out with it.
// DASHBOARD_SCREENSHOTS=docs writes the PNGs for docs/dashboard.md.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { NO_KEY, startDashboard, type Dashboard } from "../../host/dashboard/index.ts";
import { EmbeddedBroker } from "../../host/net/index.ts";
import { keyFileText, parseKeyFile } from "../../host/ota/index.ts";
import { loadScenario, runScenario, simPublisherSeed } from "../../host/sim/index.ts";

const CHROMIUM = "/usr/bin/chromium";
const have = existsSync(CHROMIUM);
if (!have && process.env.CI) throw new Error(`the dashboard test needs ${CHROMIUM} (Debian package chromium: scripts/install-system-deps.sh)`);
const SHOTS = process.env.DASHBOARD_SCREENSHOTS;

const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => undefined);
});

const wavesDone = (page: Page): Promise<number> => page.locator("div.rollout .waves-done").first().textContent().then(Number);

describe.skipIf(!have)("colony dashboard in headless Chromium", () => {
  it("lists the fleet, follows a device and a rollout to its halt, and acts only with the site's key", async () => {
    const broker = await EmbeddedBroker.start();
    cleanup.push(() => broker.stop());
    const sc = loadScenario("scenarios/ota-rollout.yaml");
    // the operator's rollback comes from the dashboard here, not from the scenario
    const { rollbackAtMs: _scenarioRollback, ...ota } = sc.ota!;

    const key = parseKeyFile(keyFileText(simPublisherSeed(sc.site, sc.seed)), "site.key");
    const readOnly: Dashboard = await startDashboard({ brokerUrl: broker.url, site: sc.site, port: 0 });
    const keyed: Dashboard = await startDashboard({ brokerUrl: broker.url, site: sc.site, port: 0, key });
    cleanup.push(() => readOnly.close(), () => keyed.close());

    const profile = mkdtempSync(join(tmpdir(), "colony-dash-chromium-"));
    cleanup.push(async () => rmSync(profile, { recursive: true, force: true }));
    // a fresh profile (playwright passes it as --user-data-dir)
    const browser: BrowserContext = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    cleanup.push(() => browser.close());
    const page = await browser.newPage();
    await page.goto(readOnly.url);
    await expect.poll(() => page.locator("#key").textContent()).toContain("read-only");
    // every "waves done" the page shows, as it shows it
    await page.evaluate(() => {
      const seen: number[] = ((window as unknown as { seenWaves: number[] }).seenWaves = []);
      new MutationObserver(() => {
        const t = document.querySelector("div.rollout .waves-done")?.textContent;
        if (t != null && seen[seen.length - 1] !== Number(t)) seen.push(Number(t));
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    // the page is watching before the fleet starts
    const run = runScenario({ ...sc, ota, durationMs: 24_000 }, { brokerUrl: broker.url });
    cleanup.push(() => run);

    // the 20 devices of the three bays
    await expect.poll(() => page.locator("#devices li").count(), { timeout: 15_000 }).toBe(20);
    const ids = await page.locator("#devices li").evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.device));
    expect(ids.filter((i) => i?.startsWith("bay2-"))).toHaveLength(4);

    // a device clicked: its agent
    const one = page.locator('#devices li[data-device^="bay2-"]').first();
    const id = await one.getAttribute("data-device");
    await one.click();
    await expect.poll(() => page.locator("#device-id").textContent()).toBe(id);
    await expect.poll(() => page.locator('#device tr[data-agent="heartbeat"]').count()).toBe(1);
    await expect.poll(() => page.locator('#device tr[data-agent="heartbeat"] td').nth(1).textContent()).toMatch(/^1\.[01]\.0$/);

    // the rollout appears and its waves finish one after another
    await expect.poll(() => page.locator("div.rollout").count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => wavesDone(page), { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    // bay 2's small boards refuse the release: the rollout halts, and says why
    await expect.poll(() => page.locator("div.rollout .state").textContent(), { timeout: 20_000 }).toBe("halted");
    expect(await page.locator("div.rollout .reason").textContent()).toMatch(/devices failed/);
    await expect.poll(() => page.locator("#alerts li.rollout").count()).toBeGreaterThan(0);
    await expect.poll(() => page.locator('#devices li[data-device^="bay2-"] .rolled-back, #devices li[data-device^="bay2-"] .refused').count()).toBeGreaterThan(0);
    const seen = await page.evaluate(() => (window as unknown as { seenWaves: number[] }).seenWaves);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    if (SHOTS) await page.screenshot({ path: join(SHOTS, "dashboard-halted.png") });

    // without the key: refused, and the rollout stays as it is
    await page.locator('button[data-action="rollback"]').click();
    await expect.poll(() => page.locator("#action-result").textContent()).toContain(NO_KEY);
    await page.locator('button[data-action="halt"]').click();
    await expect.poll(() => page.locator("#action-result").textContent()).toMatch(/halt refused \(403\): no key/);
    expect(await page.locator("div.rollout .state").textContent()).toBe("halted");

    // with the key: a halt of a halted rollout is refused for what it is, the rollback runs
    const operator = await browser.newPage();
    await operator.goto(keyed.url);
    await expect.poll(() => operator.locator("#key").textContent()).toContain(key.id);
    await expect.poll(() => operator.locator("div.rollout").count(), { timeout: 10_000 }).toBe(1);
    await operator.locator('button[data-action="halt"]').click();
    await expect.poll(() => operator.locator("#action-result").textContent()).toMatch(/halt refused \(409\).*halted, not running/);
    await operator.locator('button[data-action="rollback"]').click();
    await expect.poll(() => operator.locator("#action-result").textContent()).toContain("rolling back");
    await expect.poll(() => operator.locator("div.rollout .state").textContent(), { timeout: 10_000 }).toBe("rolled-back");
    // every device that took the release runs 1.0.0 again
    await expect.poll(() => operator.locator("#devices li .committed").count(), { timeout: 10_000 }).toBe(0);
    await operator.locator('#devices li[data-device^="bay1-"]').first().click();
    await expect.poll(() => operator.locator('#device tr[data-agent="heartbeat"] td').nth(1).textContent(), { timeout: 10_000 }).toBe("1.0.0");
    if (SHOTS) await operator.screenshot({ path: join(SHOTS, "dashboard-rolled-back.png") });
    // and the page that watches without a key saw it too
    await expect.poll(() => page.locator("div.rollout .state").textContent()).toBe("rolled-back");

    const result = await run;
    // the devices' own flash slots agree with the page: all back on 1.0.0
    expect(result.ota?.devices).toHaveLength(20);
    expect(result.ota?.devices.filter((d) => d.running !== "1.0.0")).toEqual([]);
  }, 60_000);
});
