import { spawn, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FrugalError } from '../core/errors.js';

/**
 * Runs untrusted programs. Each command runs as its own process tree in a fresh directory with
 * CPU-time, address-space, process-count and file-size limits (prlimit), a wall-clock timeout and an
 * output cap. Where the system allows it (root, util-linux `unshare`), it also gets new network, PID
 * and mount namespaces (no network; everything dies with the namespace's first process; /tmp is its
 * own directory, other world-writable places read-only) and a fresh unused uid, so the
 * process-count limit counts only its own processes and it can write nowhere else.
 */
export interface SandboxLimits {
  cpuSeconds: number;
  wallMs: number;
  /** RLIMIT_AS in bytes. */
  memoryBytes: number;
  /** RLIMIT_NPROC: processes and threads of the sandbox uid. */
  maxProcs: number;
  /** Bytes of stdout plus stderr kept; more kills the run. */
  maxOutputBytes: number;
  /** RLIMIT_FSIZE in bytes. */
  maxFileBytes: number;
  /** RLIMIT_STACK in bytes: judges give deep recursion a large stack. */
  stackBytes: number;
}

export const DEFAULT_RUN_LIMITS: SandboxLimits = {
  cpuSeconds: 5,
  wallMs: 20_000,
  memoryBytes: 1024 ** 3,
  maxProcs: 64,
  maxOutputBytes: 4 * 1024 ** 2,
  maxFileBytes: 16 * 1024 ** 2,
  stackBytes: 256 * 1024 ** 2,
};

export const DEFAULT_COMPILE_LIMITS: SandboxLimits = {
  cpuSeconds: 30,
  wallMs: 60_000,
  memoryBytes: 4 * 1024 ** 3,
  maxProcs: 128,
  maxOutputBytes: 1024 ** 2,
  maxFileBytes: 64 * 1024 ** 2,
  stackBytes: 64 * 1024 ** 2,
};

export interface SandboxCapabilities {
  /** New network, PID and mount namespaces (no network, clean kill, private /tmp). */
  namespaces: boolean;
  /** Runs under a fresh unused uid (needs root and setpriv). */
  separateUid: boolean;
  prlimit: boolean;
}

export interface SandboxResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  outputExceeded: boolean;
  wallMs: number;
}

const SAFE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const MASKED_DIRS = ['/var/tmp', '/dev/shm', '/run/lock'];
const NS_FLAGS = [
  '--net',
  '--mount',
  '--pid',
  '--fork',
  '--kill-child',
  '--mount-proc',
  '--propagation',
  'private',
];

// Runs as root inside the new namespaces, then drops to the sandbox uid under the limits. The shell
// stays as the namespace's first process and exits with the program's status (128 + signal).
const ENTER_SCRIPT = `set -e
for d in ${MASKED_DIRS.join(' ')}; do [ -d "$d" ] && mount -t tmpfs -o ro,size=4k,mode=755 tmpfs "$d"; done
mount --bind "$SBX_DIR" /tmp
cd /tmp
"$@"`;

let detected: SandboxCapabilities | undefined;

/** Probes once what isolation this machine allows. */
export function sandboxCapabilities(): SandboxCapabilities {
  if (detected) return detected;
  const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
  const prlimit = has('prlimit');
  const root = process.getuid?.() === 0;
  let namespaces = false;
  if (root && has('unshare')) {
    const dir = mkdtempSync(join(tmpdir(), 'frugal-sbx-probe-'));
    const r = spawnSync('unshare', [...NS_FLAGS, '--', 'sh', '-c', ENTER_SCRIPT, 'sbx', 'true'], {
      env: { PATH: SAFE_PATH, SBX_DIR: dir },
      timeout: 10_000,
    });
    rmSync(dir, { recursive: true, force: true });
    namespaces = r.status === 0;
  }
  detected = { namespaces, separateUid: root && has('setpriv'), prlimit };
  return detected;
}

/** A fresh directory holding `files`, owned by the uid the sandboxed code will run as. */
export interface SandboxDir {
  path: string;
  uid: number | undefined;
  remove(): void;
}

// Directories (and uids) in use, removed at exit even when a run is interrupted mid-way.
const live = new Map<string, number | undefined>();
let exitHookInstalled = false;

function removeLiveSandboxes(): void {
  for (const [path, uid] of live) {
    if (uid !== undefined) killUid(uid);
    rmSync(path, { recursive: true, force: true });
  }
  live.clear();
}

/**
 * Makes SIGINT and SIGTERM end the process through `exit`, so that sandboxes still in use are
 * cleaned up (a signal's default action would skip every exit hook). For command-line tools.
 */
export function exitCleanlyOnSignals(): void {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)
    process.once(signal, () => process.exit(code));
}

export function createSandboxDir(files: Record<string, string>): SandboxDir {
  const caps = sandboxCapabilities();
  if (!exitHookInstalled) {
    process.once('exit', removeLiveSandboxes);
    exitHookInstalled = true;
  }
  const path = mkdtempSync(join(tmpdir(), 'frugal-sbx-'));
  const uid = caps.separateUid ? pickFreeUid() : undefined;
  live.set(path, uid);
  for (const [name, content] of Object.entries(files)) {
    if (name.includes('/') || name.startsWith('.')) {
      rmSync(path, { recursive: true, force: true });
      live.delete(path);
      throw new FrugalError('E_ARG', `sandbox file name "${name}" must be a plain name`, { field: 'files' });
    }
    writeFileSync(join(path, name), content);
    if (uid !== undefined) chownSync(join(path, name), uid, uid);
  }
  if (uid !== undefined) chownSync(path, uid, uid);
  return {
    path,
    uid,
    remove() {
      if (uid !== undefined) killUid(uid);
      rmSync(path, { recursive: true, force: true });
      live.delete(path);
    },
  };
}

/** Runs `argv` inside `dir` under `limits`; never throws for anything the program does. */
export function runSandboxed(
  dir: SandboxDir,
  argv: readonly string[],
  limits: SandboxLimits,
  stdin = '',
): Promise<SandboxResult> {
  const caps = sandboxCapabilities();
  const limited = [
    ...(caps.prlimit
      ? [
          'prlimit',
          `--cpu=${limits.cpuSeconds}:${limits.cpuSeconds + 1}`,
          `--as=${limits.memoryBytes}`,
          `--nproc=${limits.maxProcs}`,
          `--fsize=${limits.maxFileBytes}`,
          `--stack=${limits.stackBytes}`,
          '--core=0',
          '--',
        ]
      : []),
    ...(dir.uid !== undefined
      ? ['setpriv', `--reuid=${dir.uid}`, `--regid=${dir.uid}`, '--clear-groups', '--']
      : []),
    ...argv,
  ];
  const inNs = caps.namespaces;
  const home = inNs ? '/tmp' : dir.path;
  const [cmd, ...args] = inNs
    ? ['unshare', ...NS_FLAGS, '--', 'sh', '-c', ENTER_SCRIPT, 'sbx', ...limited]
    : limited;
  const env = { PATH: SAFE_PATH, HOME: home, TMPDIR: home, LANG: 'C.UTF-8', SBX_DIR: dir.path };
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: dir.path, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let bytes = 0;
    let timedOut = false;
    let outputExceeded = false;
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is already gone.
      }
      if (dir.uid !== undefined) killUid(dir.uid);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, limits.wallMs);
    const collect = (sink: Buffer[]) => (chunk: Buffer) => {
      const room = limits.maxOutputBytes - bytes;
      if (room > 0) sink.push(chunk.subarray(0, room));
      bytes += chunk.length;
      if (bytes > limits.maxOutputBytes && !outputExceeded) {
        outputExceeded = true;
        killGroup();
      }
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
    child.on('error', (e) => {
      err.push(Buffer.from(String(e)));
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      killGroup();
      resolve({
        exitCode,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        outputExceeded,
        wallMs: performance.now() - started,
      });
    });
  });
}

/** Pids of live (not zombie) processes whose real uid is `uid` (reads /proc). */
export function processesOfUid(uid: number): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      const m = /^Uid:\s+(\d+)/m.exec(status);
      if (m && Number(m[1]) === uid && !/^State:\s+Z/m.test(status)) pids.push(Number(name));
    } catch {
      // The process exited while we looked.
    }
  }
  return pids;
}

// Escapees (a process that left the group and namespace cannot exist here, but a sandbox without
// namespaces may leave some) are found by uid, which only sandboxed code uses.
function killUid(uid: number): void {
  for (let round = 0; round < 50; round++) {
    const pids = processesOfUid(uid);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    spawnSync('sleep', ['0.02']);
  }
}

function pickFreeUid(): number {
  for (;;) {
    const uid = randomInt(200_000, 2_000_000_000);
    if (processesOfUid(uid).length === 0) return uid;
  }
}
