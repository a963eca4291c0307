/**
 * deploy/compose.yml for real, with Debian's docker-compose: `up -d --build` on images made on this
 * machine (nothing pulled), the seed's exact curl, the image in the registry and the build in the
 * view; `down -v` leaves no container, network or volume of the project.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  createGitFixture,
  dockerClient,
  ensureBaseImage,
  ensureDockerEngine,
  httpStatus,
  manifestDigest,
  prepareOfflineCompose,
  repoRoot,
} from "@slipway/test-kit";
import { cleanEnv, composeProject, freePorts, post, removeComposeRun, writeGitOverride, type ComposeProject } from "./compose-project.js";

const SEED_CURL_BODY = `{
  "ref": "refs/heads/master",
  "repository": {"name": "fruty_docker-ci"},
  "head_commit": {"id": "test"}
}`;
// github-status runs only with `--profile github` (and a token): not here.
const SERVICES = ["builder", "git-sync", "ingress", "nats", "projector", "registry"];
const API_TOKEN = randomUUID();

type BuildView = { id: string; status: string; dockerfile: string; image: string; tags: string[]; digest: string | null; error: unknown };

const compose = suite("compose");
const ctx = {} as {
  work: string;
  project: ComposeProject;
  servicesImage: string;
  nonce: string;
  ingressUrl: string;
  projectorUrl: string;
  registryAddress: string;
  logsDir: string;
};

compose.before(async () => {
  await ensureDockerEngine();
  const id = randomBytes(4).toString("hex");
  ctx.work = mkdtempSync(join(tmpdir(), "slipway-compose-"));
  ctx.nonce = randomUUID();
  ctx.logsDir = join(ctx.work, "logs");
  mkdirSync(ctx.logsDir);

  // The seed's repository: one Dockerfile_test, so the catalog must read exactly fruty_docker-ci_test.
  const base = await ensureBaseImage();
  const gitRoot = join(ctx.work, "git");
  mkdirSync(gitRoot);
  const git = createGitFixture("fruty_docker-ci", gitRoot);
  git.commit({
    Dockerfile_test: `FROM ${base}\nCOPY README.md /README.md\nRUN cat /README.md\n`,
    "README.md": `the fruty test repo ${ctx.nonce}\n`,
  });
  const gitOverride = join(ctx.work, "compose.git.yml");
  writeGitOverride({ file: gitOverride, gitRoot, gitConfig: join(ctx.work, "gitconfig") });

  const images = await prepareOfflineCompose();
  const [ingressPort, projectorPort, registryPort] = (await freePorts(3)) as [number, number, number];
  const name = `slipwaytest${id}`;
  ctx.servicesImage = `slipway-local/services:${name}`;
  ctx.registryAddress = `127.0.0.1:${registryPort}`;
  ctx.ingressUrl = `http://127.0.0.1:${ingressPort}`;
  ctx.projectorUrl = `http://127.0.0.1:${projectorPort}`;
  ctx.project = composeProject({
    name,
    files: [join(repoRoot(), "deploy", "compose.yml"), gitOverride],
    env: {
      ...cleanEnv(),
      ...images,
      SLIPWAY_SERVICES_IMAGE: ctx.servicesImage,
      SLIPWAY_INGRESS_PORT: String(ingressPort),
      SLIPWAY_PROJECTOR_PORT: String(projectorPort),
      SLIPWAY_REGISTRY_PORT: String(registryPort),
      SLIPWAY_REGISTRY: ctx.registryAddress,
      SLIPWAY_LOGS_HOST_DIR: ctx.logsDir,
      SLIPWAY_API_TOKEN: API_TOKEN,
    },
  });
});

compose.after(async () => {
  await removeComposeRun(ctx);
});

compose("compose - up --build runs the system from local images; the seed's curl pushes fruty_docker-ci_test", async () => {
  await ctx.project.run(["up", "-d", "--build"], 600_000);
  await ctx.project.waitFor("ingress and projector healthy", async () =>
    (await httpStatus(`${ctx.ingressUrl}/healthz`)) === 200 && (await httpStatus(`${ctx.projectorUrl}/healthz`)) === 200 ? true : null,
  120_000);

  const containers = await dockerClient().listContainers({ filters: { label: [`com.docker.compose.project=${ctx.project.name}`] } });
  assert.equal(containers.map((c) => c.Labels["com.docker.compose.service"]).sort(), SERVICES);
  for (const c of containers.filter((c) => !["nats", "registry"].includes(c.Labels["com.docker.compose.service"] ?? ""))) {
    assert.is(c.Image, ctx.servicesImage, c.Names.join());
  }

  // The shell's API token reached both: ingress's control API and the projector's view ask for it.
  assert.is((await post(`${ctx.ingressUrl}/builds`, { "Content-Type": "application/json" }, "{}")).status, 401);
  assert.is((await fetch(`${ctx.projectorUrl}/builds`)).status, 401);

  const hook = await post(`${ctx.ingressUrl}/hook`, { "Cache-Control": "no-cache", "Content-Type": "application/json" }, SEED_CURL_BODY);
  assert.is(hook.status, 200);
  assert.is(hook.text, '{"status":"success","data":"","message":"hook successful"}');

  const build = await ctx.project.waitFor("the build's verdict in the view", async () => {
    const res = await fetch(`${ctx.projectorUrl}/builds`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    const [b] = ((await res.json()) as { builds: BuildView[] }).builds;
    return b && (b.status === "succeeded" || b.status === "failed") ? b : null;
  });
  assert.is(build.status, "succeeded", JSON.stringify(build.error));
  assert.is(build.dockerfile, "Dockerfile_test");
  assert.is(build.image, `${ctx.registryAddress}/fruty_docker-ci_test`);
  assert.match(build.digest ?? "", /^sha256:[0-9a-f]{64}$/);

  const registryUrl = `http://${ctx.registryAddress}`;
  const catalog = (await (await fetch(`${registryUrl}/v2/_catalog`)).json()) as unknown;
  assert.equal(catalog, { repositories: ["fruty_docker-ci_test"] });
  for (const tag of build.tags) assert.is(await manifestDigest(registryUrl, "fruty_docker-ci_test", tag), build.digest, tag);

  // The projector wrote the Docker output, with the RUN step's own line, into the mounted host folder.
  const log = await ctx.project.waitFor("the build log on the host", async () => {
    try {
      const text = readFileSync(join(ctx.logsDir, `${build.id}.log`), "utf8");
      return text.includes("slipway: pushed") ? text : null;
    } catch {
      return null;
    }
  }, 30_000);
  assert.match(log, `the fruty test repo ${ctx.nonce}`);
});

compose("compose - down -v leaves no container, network or volume of the project", async () => {
  const up = await ctx.project.leftovers();
  assert.is(up.containers.length, SERVICES.length, JSON.stringify(up));
  assert.equal(up.networks, [`${ctx.project.name}_default`]);
  assert.equal(up.volumes.sort(), ["git-data", "nats-data", "projector-data", "registry-data"].map((v) => `${ctx.project.name}_${v}`));

  await ctx.project.run(["down", "-v", "--remove-orphans"]);
  assert.equal(await ctx.project.leftovers(), { containers: [], networks: [], volumes: [] });
});

compose.run();
