import { ConfigError, SlipwayError, type RepoRef } from "@slipway/events";

/**
 * `SLIPWAY_GIT_URL`: the operator's clone URL template, with `{name}`, `{owner}`, `{full_name}`.
 * Only names are taken from a webhook, and only names that can't change what the URL points to:
 * no `/` beyond the owner's, no `..`, no leading `-` (option injection), no `:` (transports).
 */
export type UrlTemplate = { template: string; render(repo: RepoRef): string };

const PLACEHOLDER = /\{(name|owner|full_name)\}/g;
const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export class UnsafeRepoNameError extends SlipwayError {
  override name = "UnsafeRepoNameError";
  constructor(message: string) {
    super("GIT_UNSAFE_REPO_NAME", message);
  }
}

export function parseUrlTemplate(template: string): UrlTemplate {
  if (!new RegExp(PLACEHOLDER.source).test(template)) {
    throw new ConfigError(`SLIPWAY_GIT_URL=${JSON.stringify(template)}: needs {name}, {owner} or {full_name}`);
  }
  if (/^(ext|fd)::/i.test(template) || template.startsWith("-")) {
    throw new ConfigError(`SLIPWAY_GIT_URL=${JSON.stringify(template)}: this transport is refused`);
  }
  return {
    template,
    render(repo) {
      const values = { name: repo.name, owner: repo.owner, full_name: repo.key } as const;
      return template.replace(PLACEHOLDER, (_m, key: keyof typeof values) => {
        const value = values[key];
        if (value === null) throw new UnsafeRepoNameError(`SLIPWAY_GIT_URL uses {${key}} but the webhook names no owner for ${repo.name}`);
        const parts = key === "full_name" ? value.split("/") : [value];
        const max = key === "full_name" ? 2 : 1;
        if (parts.length > max || !parts.every((p) => SAFE_NAME.test(p) && !p.includes(".."))) {
          throw new UnsafeRepoNameError(`repository name ${JSON.stringify(value)} is not safe in a clone URL`);
        }
        return value;
      });
    },
  };
}
