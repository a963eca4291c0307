import { AskpassEnv } from "./git-env.js";

/**
 * The `GIT_ASKPASS` helper. git runs it with its prompt as the only argument
 *   Username for 'https://github.com':
 *   Password for 'https://x-access-token@github.com':
 * and reads the answer on stdout. It holds no secret: the answers come from git's environment.
 * It answers only for the scheme and host of SLIPWAY_GIT_URL, so a redirect to another host (or
 * down to http) gets nothing and the fetch fails.
 */
export const ASKPASS_SCRIPT = `#!/bin/sh
url=\${1#*\\'}
url=\${url%\\'*}
scheme=\${url%%://*}
host=\${url#*://}
host=\${host##*@}
host=\${host%%/*}
if [ "$scheme" != "$${AskpassEnv.Scheme}" ] || [ "$host" != "$${AskpassEnv.Host}" ]; then
  echo "slipway askpass: no credentials for $scheme://$host" >&2
  exit 1
fi
case "$1" in
  Username*) printf '%s\\n' "$${AskpassEnv.Username}" ;;
  Password*) printf '%s\\n' "$${AskpassEnv.Token}" ;;
  *) exit 1 ;;
esac
`;
