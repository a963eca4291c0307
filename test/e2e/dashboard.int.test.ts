/**
 * The dashboard end to end, in a real browser: Debian's headless Chromium driven by playwright-core
 * (which downloads no browser), over the whole system on real parts (git repo, NATS JetStream,
 * Docker engine, registry, every service as its own process, an API token). The seed's curl ->
 * the build appears without a reload -> its log streams in -> it succeeds; a slow build started
 * and cancelled from the page; a retry from the page; the history slider back to before the
 * builds. Screenshots go to test-artifacts/dashboard/ (artefacts, not assertions).
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createGitFixture, repoRoot, withJetStream, type TestRegistry } from "@slipway/test-kit";
import { startE2eSystem, type E2eSystem } from "./system.js";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
const API_TOKEN = randomUUID();
const USER = "e2e-browser";
/** Builds take seconds to minutes on a loaded machine. */
const BUILD_TIMEOUT = 180_000;
const SHOTS = join(repoRoot(), "test-artifacts", "dashboard");

const SEED_CURL_BODY = `{
  "ref": "refs/heads/master",
  "repository": {"name": "fruty_docker-ci"},
  "head_commit": {"id": "test"}
}`;

type BuildView = { id: string; status: string; dockerfile: string; image: string; digest: string | null; events: { seq: number }[] };

const e2e = suite("dashboard");
// No streams made beforehand: the services make them, as on a fresh install.
const bus = withJetStream(e2e, { streams: false });
const ctx = {} as {
  system: E2eSystem;
  registry: TestRegistry;
  hookUrl: string;
  ingressUrl: string;
  projectorUrl: string;
  git: ReturnType<typeof createGitFixture>;
  nonce: string;
  base: string;
  browser: Browser;
  page: Page;
  /** Uncaught errors in the page, and every URL it asked for. */
  pageErrors: string[];
  requested: string[];
  /** The seed push's Dockerfile_test build. */
  seedTestBuild: string;
  logsDir: string;
};

e2e.before(async () => {
  ctx.pageErrors = [];
  ctx.requested = [];
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (npm test's bootstrap does)`);
  ctx.nonce = randomUUID().slice(0, 8);
  // Lines a second apart: the page is open while they come, so they must arrive live.
  ctx.system = bus.own(
    await startE2eSystem({
      natsUrl: bus.nats.url,
      token: API_TOKEN,
      projectorToken: true,
      files: (base) => ({
        Dockerfile: `FROM ${base}\nRUN echo plain-image-build ${ctx.nonce}\n`,
        Dockerfile_test: `FROM ${base}\nRUN for i in 1 2 3 4 5 6; do echo dash-line-$i-${ctx.nonce}; sleep 1; done\n`,
      }),
    }),
  );
  const { system } = ctx;
  ctx.registry = system.registry;
  ctx.git = system.git;
  ctx.base = system.base;
  ctx.logsDir = system.logsDir;
  ctx.ingressUrl = system.ingressUrl;
  ctx.hookUrl = `${system.ingressUrl}/hook`;
  ctx.projectorUrl = system.projectorUrl;

  mkdirSync(SHOTS, { recursive: true });
  ctx.browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  bus.own({ stop: () => ctx.browser.close() });
  const context = await ctx.browser.newContext({ viewport: { width: 1280, height: 900 } });
  ctx.page = await context.newPage();
  ctx.page.setDefaultTimeout(30_000);
  ctx.page.on("pageerror", (err) => ctx.pageErrors.push(err.message));
  ctx.page.on("request", (req) => ctx.requested.push(req.url()));
});

async function shot(name: string): Promise<void> {
  await ctx.page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true }).catch((e) => console.error(`screenshot ${name}: ${e}`));
}

/** The API as the token's holder (the test's own view of the truth). */
async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${ctx.projectorUrl}${path}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
  assert.is(res.status, 200, path);
  return (await res.json()) as T;
}

/** A value set in the page: gone after a reload, kept across hash routes. */
const MARK = "__slipwayE2eMark";
async function markPage(): Promise<void> {
  await ctx.page.evaluate(`globalThis.${MARK} = true`);
}
async function assertNotReloaded(): Promise<void> {
  assert.is(await ctx.page.evaluate(`globalThis.${MARK} === true`), true, "the page was not reloaded");
}

/** The status a build page shows, as text. */
async function shownStatus(): Promise<string | null> {
  return ctx.page.locator(".big-status .status").getAttribute("data-status");
}

e2e("the page asks for the token once, keeps it, and shows what to run when there are no builds", async () => {
  const { page } = ctx;
  await page.goto(`${ctx.projectorUrl}/`);
  const dialog = page.locator("#token-dialog");
  await dialog.waitFor({ state: "visible" });
  await page.locator("#token-input").fill(API_TOKEN);
  await page.locator("#user-input").fill(USER);
  await page.locator('#token-dialog button[value="save"]').click();
  await page.getByRole("heading", { name: "No builds yet" }).waitFor();
  assert.match(await page.locator(".empty pre").innerText(), /curl -X POST 127\.0\.0\.1:6000\/hook/);
  assert.is(await page.evaluate('localStorage.getItem("slipway.apiToken")'), API_TOKEN);
  await page.locator('.live[data-state="live"]').waitFor();
  await shot("01-empty-state");
});

e2e("the seed's curl: the build appears without a reload, its log streams in, it succeeds", async () => {
  const { page } = ctx;
  await markPage();
  const res = await fetch(ctx.hookUrl, { method: "POST", headers: { "Cache-Control": "no-cache", "Content-Type": "application/json" }, body: SEED_CURL_BODY });
  assert.is(res.status, 200);

  // Both rows come from the event stream: the page was not reloaded and polls nothing.
  await page.locator("table.builds tbody tr").nth(1).waitFor({ timeout: 60_000 });
  await assertNotReloaded();
  const row = page.locator("table.builds tbody tr", { hasText: "Dockerfile_test" });
  await row.waitFor();
  await shot("02-builds-live");
  ctx.seedTestBuild = String(await row.getAttribute("data-build-id"));

  await row.locator("a.build-link").click();
  const log = page.locator(".log");
  await log.getByText(`dash-line-1-${ctx.nonce}`).waitFor({ timeout: BUILD_TIMEOUT });
  // The first line is there while the build still runs: the log came live, not at the end.
  assert.is(await shownStatus(), "running", "the first line arrives while the build runs");
  await shot("03-build-log-streaming");
  await log.getByText(`dash-line-6-${ctx.nonce}`).waitFor({ timeout: BUILD_TIMEOUT });
  await page.locator('.big-status [data-status="succeeded"]').waitFor({ timeout: BUILD_TIMEOUT });
  await assertNotReloaded();
  const text = await log.innerText();
  for (let i = 1; i <= 6; i++) assert.is(text.split(`dash-line-${i}-${ctx.nonce}`).length - 1 >= 1, true, `line ${i} shown`);
  // The image with its tags and digest.
  const build = await api<BuildView>(`/builds/${ctx.seedTestBuild}`);
  await page.locator(".digest", { hasText: build.digest ?? "no digest" }).waitFor();
  assert.match(await page.locator(".tags").innerText(), new RegExp(`${build.image.replace(/[.]/g, "\\.")}:latest`));
  await shot("04-build-succeeded");
});

e2e("a build started from the page, and cancelled from it, ends cancelled", async () => {
  const { page } = ctx;
  ctx.git.commit({ Dockerfile_slow: `FROM ${ctx.base}\nRUN echo slow-${ctx.nonce} && sleep 30\n` }, "add a slow Dockerfile");
  await page.locator("#new-build").click();
  await page.locator("#build-repo").fill("fruty_docker-ci");
  await page.locator("#build-ref").fill("master");
  await page.locator('#build-dialog button[value="build"]').click();
  // The forwarded POST /builds answered 202: the delivery's page, where its builds appear.
  await page.waitForURL(/#\/deliveries\/manual-/);
  const slowRow = page.locator("table.builds tbody tr", { hasText: "Dockerfile_slow" });
  await slowRow.waitFor({ timeout: 60_000 });
  await slowRow.locator("a.build-link").click();
  await page.locator('.big-status [data-status="running"]').waitFor({ timeout: BUILD_TIMEOUT });
  // The RUN step's own output (`#5 slow-…`), not the line that names the step.
  await page.locator(".log .log-line", { hasText: new RegExp(`^#\\d+ slow-${ctx.nonce}$`) }).waitFor({ timeout: 60_000 });
  await page.getByRole("button", { name: "Cancel", exact: true }).click();
  await page.locator("#cancel-reason").fill("not needed");
  await page.locator('#cancel-dialog button[value="confirm"]').click();
  await page.locator('.big-status [data-status="cancelled"]').waitFor({ timeout: 60_000 });
  await page.getByText(`cancelled by ${USER}: not needed`).first().waitFor();
  await shot("05-cancelled");
});

e2e("retry from the page: a new build of the same commit and Dockerfile, followed to its end", async () => {
  const { page } = ctx;
  await page.goto(`${ctx.projectorUrl}/#/builds/${ctx.seedTestBuild}`);
  await page.locator('.big-status [data-status="succeeded"]').waitFor();
  await page.getByRole("button", { name: "Retry", exact: true }).click();
  await page.waitForURL((url) => /#\/builds\/r[0-9a-f]{15}$/.test(url.hash));
  const retryId = new URL(page.url()).hash.split("/").pop()!;
  assert.is.not(retryId, ctx.seedTestBuild);
  // Docker's cache may skip the RUN step this time: its output is not asserted, the log is.
  await page.locator('.big-status [data-status="succeeded"]').waitFor({ timeout: BUILD_TIMEOUT });
  await page.locator(".log .log-line").first().waitFor({ timeout: 60_000 });
  const retried = await api<BuildView & { sha: string }>(`/builds/${retryId}`);
  const original = await api<BuildView & { sha: string }>(`/builds/${ctx.seedTestBuild}`);
  assert.is(retried.dockerfile, "Dockerfile_test");
  assert.is(retried.sha, original.sha);
  await shot("06-retried");
});

e2e("the history slider shows the builds as they were: none before the first event, fewer after the first push", async () => {
  const { page } = ctx;
  const all = await api<{ builds: BuildView[] }>("/builds");
  const seed = await api<BuildView>(`/builds/${ctx.seedTestBuild}`);
  const afterSeed = Math.max(...seed.events.map((e) => e.seq));
  await page.locator('nav a[data-nav="history"]').click();
  await page.locator("#history-point", { hasText: "(now)" }).waitFor();
  assert.is(await page.locator("table.builds tbody tr").count(), all.builds.length);
  // The keyboard moves the slider: Home = before the first event.
  await page.locator("#history-seq").focus();
  await page.keyboard.press("Home");
  await page.locator("#history-point", { hasText: "As of stream sequence 0 " }).waitFor();
  assert.is(await page.locator("table.builds tbody tr").count(), 0);
  await page.getByText("Before the first event: no builds.").waitFor();
  await shot("07-history-before");
  // Just after the seed's build ended: that push's builds only, as they were then.
  await page.locator("#history-seq-number").fill(String(afterSeed));
  await page.locator("#history-seq-number").press("Enter");
  await page.locator("#history-point", { hasText: `As of stream sequence ${afterSeed} ` }).waitFor();
  const rows = await page.locator("table.builds tbody tr").count();
  assert.ok(rows >= 1 && rows < all.builds.length, `${rows} builds then, ${all.builds.length} now`);
  assert.ok(await page.locator(`table.builds tbody tr[data-build-id="${ctx.seedTestBuild}"]`).count() === 1);
  await shot("08-history-earlier");
});

e2e("provenance: the image digest leads to the build, commit and push", async () => {
  const { page } = ctx;
  const seed = await api<BuildView>(`/builds/${ctx.seedTestBuild}`);
  await page.locator('nav a[data-nav="provenance"]').click();
  await page.locator("#prov-digest").fill(`${seed.image}@${seed.digest}`);
  await page.getByRole("button", { name: "Find", exact: true }).click();
  await page.locator("article.provenance").first().waitFor();
  assert.ok((await page.locator(`article.provenance a[href="#/builds/${ctx.seedTestBuild}"]`).count()) >= 1);
  await page.getByText("WebhookReceived").first().waitFor();
  await shot("09-provenance");
});

e2e("a 50 MB log: its tail shows at once, in colour, and earlier parts come on demand", async () => {
  const { page } = ctx;
  // As the logs bench prints: 524,288 numbered lines of 100 bytes. Written over a finished build's
  // log file (the projector no longer writes to it), so the page reads it as it would a real one.
  const LINES = 524_288;
  const line = (i: number) => `line ${String(i).padStart(7, "0")} ${"x".repeat(86)}`;
  const body = Buffer.alloc(LINES * 100);
  for (let i = 0; i < LINES - 1; i++) body.write(`${line(i)}\n`, i * 100, "latin1");
  assert.is(line(0).length, 99);
  const last = Buffer.from(`\x1b[32mall green ${ctx.nonce}\x1b[0m`.padEnd(99, " ") + "\n", "latin1");
  last.copy(body, (LINES - 1) * 100);
  writeFileSync(join(ctx.logsDir, `${ctx.seedTestBuild}.log`), body);

  const started = Date.now();
  await page.goto(`${ctx.projectorUrl}/#/builds/${ctx.seedTestBuild}`);
  await page.locator(".log .ansi-green-fg", { hasText: `all green ${ctx.nonce}` }).waitFor();
  const shownAfterMs = Date.now() - started;
  const lines = page.locator(".log .log-line");
  const count = await lines.count();
  assert.ok(count > 100 && count <= 5000, `${count} lines in the page`);
  assert.is((await lines.nth(count - 2).innerText()).trim(), line(LINES - 2));
  const firstShown = (await lines.first().innerText()).trim();
  const firstIndex = Number(/^line (\d+)/.exec(firstShown)?.[1]);
  assert.ok(firstIndex > 0, firstShown);
  assert.ok(shownAfterMs < 15_000, `the tail of 50 MB showed after ${shownAfterMs} ms`);
  await shot("10-big-log-tail");

  await page.getByRole("button", { name: "Load earlier", exact: true }).click();
  await page.locator(".log .log-line", { hasText: line(firstIndex - 1) }).first().waitFor();
  const after = await lines.count();
  assert.ok(after <= 5000, `${after} lines in the page after reading back`);
  // The page still answers at once (it is not busy with the log).
  const t0 = Date.now();
  await page.evaluate("document.querySelectorAll('.log-line').length");
  assert.ok(Date.now() - t0 < 1000);
  await shot("11-big-log-earlier");
});

e2e("the page loaded nothing from another origin and threw nothing", async () => {
  const foreign = ctx.requested.filter((u) => !u.startsWith(ctx.projectorUrl) && !u.startsWith("data:"));
  assert.equal(foreign, [], "every request went to the projector");
  assert.equal(ctx.pageErrors, [], "no uncaught error in the page");
});

e2e.run();
