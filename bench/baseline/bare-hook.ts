/**
 * The baseline of bench/hook.ts: a bare fastify app whose `POST /hook` parses the JSON body (fastify's
 * own parser) and answers 202, nothing else: no signature, no validation, no logging, no store.
 * Its own process, as ingress is. Logs `{"msg":"ready"}` once listening, as the services do, so
 * the harness's `startService` can start it.
 *
 *   BARE_HOOK_PORT=7000 node --import tsx bench/baseline/bare-hook.ts
 */
import Fastify from "fastify";

const port = Number(process.env.BARE_HOOK_PORT);
if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`BARE_HOOK_PORT must be a port number, got ${JSON.stringify(process.env.BARE_HOOK_PORT)}`);

// The same body limit as ingress's default: a push payload may be large.
const app = Fastify({ bodyLimit: 25 * 1024 * 1024 });
app.post("/hook", async (req, reply) => {
  const body: unknown = req.body;
  if (typeof body !== "object" || body === null) return reply.code(400).send({ status: "error", data: "", message: "send a JSON object" });
  return reply.code(202).send({ status: "accepted", data: "", message: "hook received" });
});

const url = await app.listen({ host: "127.0.0.1", port });
console.log(JSON.stringify({ msg: "ready", url: `${url}/hook` }));

const close = () => void app.close().finally(() => process.exit(0));
process.once("SIGTERM", close);
process.once("SIGINT", close);
