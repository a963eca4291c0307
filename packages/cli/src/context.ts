import type { CliConfig } from "./config.js";
import { ProjectorApi } from "./http.js";
import { palette, type Palette } from "./output/color.js";

/** What every command is given: settings, the projector's API, and where to write. */
export type Context = {
  config: CliConfig;
  api: ProjectorApi;
  /** Results: tables, log text, JSON. */
  out(text: string): void;
  /** Notes and progress, so that stdout stays what a script reads. */
  err(text: string): void;
  palette: Palette;
  now(): number;
};

export function createContext(config: CliConfig): Context {
  return {
    config,
    api: new ProjectorApi(config),
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    palette: palette(config.color),
    now: () => Date.now(),
  };
}
