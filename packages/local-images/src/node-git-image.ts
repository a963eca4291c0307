import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { ensureScratchImage } from "./build-scratch-image.js";
import { hostTree } from "./host-tree.js";
import { findBinary, librariesOf } from "@slipway/launcher";

/** Tagged with this machine's node version: the workspace's native modules are built for exactly that node. */
export const LOCAL_NODE_GIT_IMAGE = `slipway-local/node-git:${process.versions.node}`;

const CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";
const GIT_TEMPLATES = "/usr/share/git-core/templates";
/** git's server and mail programs: git-sync only clones, fetches and archives. */
const GIT_SERVER_SIDE = new Set(["git-daemon", "git-http-backend", "git-http-push", "git-imap-send", "git-shell", "scalar"]);

/** ssh refuses to run for a uid without a passwd entry; `hosts` keeps glibc's lookup order explicit. */
const ETC_TEXTS = {
  "/etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
  "/etc/group": "root:x:0:\nnogroup:x:65534:\n",
  "/etc/nsswitch.conf": "passwd: files\ngroup: files\nhosts: files dns\n",
};

/**
 * The service image's base where no image can be pulled, built FROM scratch from this machine's
 * own programs and the libraries `ldd` finds for them: node (the one running this), git with its
 * helpers (clone, fetch and archive over file://, https and ssh), ssh, GNU tar (git-sync archives
 * checkouts with submodules with it), the CA certificates, and static busybox for a shell.
 */
export function ensureNodeGitImage(name = LOCAL_NODE_GIT_IMAGE): Promise<string> {
  const git = findBinary("git");
  const ssh = findBinary("ssh");
  const tar = findBinary("tar");
  const busybox = existsSync("/bin/busybox") ? "/bin/busybox" : findBinary("busybox");
  const missing = [
    [git, "git"],
    [ssh, "openssh-client"],
    [tar, "tar"],
    [busybox, "busybox-static"],
    [existsSync(CA_BUNDLE) ? CA_BUNDLE : null, "ca-certificates"],
  ].filter(([found]) => !found);
  if (missing.length > 0) return Promise.reject(new Error(`missing on this machine: apt-get install ${missing.map(([, pkg]) => pkg).join(" ")}`));

  const gitCore = execFileSync(git!, ["--exec-path"], { encoding: "utf8" }).trim();
  const helpers = hostTree(gitCore, (entry) => GIT_SERVER_SIDE.has(entry));
  const templates = existsSync(GIT_TEMPLATES) ? hostTree(GIT_TEMPLATES) : { files: {}, links: {} };
  const programs: Record<string, string> = {
    "/usr/local/bin/node": process.execPath,
    "/usr/bin/git": git!,
    "/usr/bin/ssh": ssh!,
    "/usr/bin/tar": tar!,
    ...helpers.files,
  };
  const files: Record<string, string> = { ...programs, ...templates.files, [CA_BUNDLE]: CA_BUNDLE, "/bin/busybox": busybox! };
  for (const source of Object.values(programs)) for (const lib of librariesOf(source)) files[lib] = lib;

  return ensureScratchImage({
    name,
    files,
    links: { ...helpers.links, ...templates.links },
    texts: ETC_TEXTS,
    dirs: ["/tmp", "/root"],
    instructions: [
      // Applets go to /bin, after /usr/bin on PATH: what node spawns (tar) is GNU's. Busybox's sh
      // still runs its own applets first; nothing here relies on a shell's tar.
      'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
      "RUN chmod 1777 /tmp",
      "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      // node trusts the CA file git uses, so a machine whose TLS goes through its own CA works for both.
      `ENV NODE_EXTRA_CA_CERTS=${CA_BUNDLE}`,
      'CMD ["node"]',
    ],
  });
}
