import type Docker from "dockerode";
import { ConfigError } from "@slipway/events";

/** Which of the engine's builders runs the builds (`SLIPWAY_BUILDER_BACKEND`). */
export const BackendSetting = { auto: "auto", buildkit: "buildkit", legacy: "legacy" } as const;
export type BackendSetting = (typeof BackendSetting)[keyof typeof BackendSetting];
export type Backend = Exclude<BackendSetting, "auto">;

export function parseBackendSetting(raw: string): BackendSetting {
  const values: string[] = Object.values(BackendSetting);
  if (!values.includes(raw)) throw new ConfigError(`SLIPWAY_BUILDER_BACKEND=${JSON.stringify(raw)}: expected ${values.join(", ")}`);
  return raw as BackendSetting;
}

/** BuildKit is in every Linux engine since API 1.39 (Docker 18.09); Windows engines have only the legacy builder. */
export function engineHasBuildKit(version: { ApiVersion?: string; Os?: string }): boolean {
  const [major, minor] = (version.ApiVersion ?? "0.0").split(".").map(Number);
  const api = (major ?? 0) * 1000 + (minor ?? 0);
  return (version.Os ?? "linux") === "linux" && api >= 1039;
}

export type BackendChoice = { backend: Backend; reason: string };

/**
 * Chooses the backend once the engine answers, and remembers it. `auto` asks the engine; a failed
 * question is asked again at the next build (the engine may be restarting), never guessed.
 */
export class BackendChooser {
  private choice: Promise<BackendChoice> | null = null;

  constructor(
    private readonly docker: Docker,
    private readonly setting: BackendSetting,
  ) {}

  get(): Promise<BackendChoice> {
    if (this.setting !== "auto") return Promise.resolve({ backend: this.setting, reason: "SLIPWAY_BUILDER_BACKEND" });
    this.choice ??= this.docker.version().then(
      (v) =>
        engineHasBuildKit(v)
          ? { backend: "buildkit" as const, reason: `engine ${v.Version} (API ${v.ApiVersion}) has BuildKit` }
          : { backend: "legacy" as const, reason: `engine ${v.Version} (API ${v.ApiVersion}, ${v.Os}) has no BuildKit` },
      (err: unknown) => {
        this.choice = null;
        throw err;
      },
    );
    return this.choice;
  }
}
