// Process-level helpers of the end-to-end suite: starting and stopping hearth (and llama.cpp's own
// llama-server, for differential tests), running hearth's CLI, generating test models with hearth-mkmodel and
// building throw-away models directories.
//
// Environment:
//   HEARTH_BIN          the hearth executable        (default: <repo>/build/src/cli/hearth)
//   HEARTH_MKMODEL      the hearth-mkmodel executable (default: <repo>/build/tools/mkmodel/hearth-mkmodel)
//   HEARTH_MODELS       the shared real models        (default: /work/shared/models)
//   HEARTH_DEPS_PREFIX  the engines' prefix, holding tools/llama-server (default: scripts/deps.sh --prefix)

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '..', '..', '..');

export const HEARTH_BIN = process.env.HEARTH_BIN || path.join(REPO_ROOT, 'build', 'src', 'cli', 'hearth');
export const HEARTH_MKMODEL =
    process.env.HEARTH_MKMODEL || path.join(REPO_ROOT, 'build', 'tools', 'mkmodel', 'hearth-mkmodel');
export const HEARTH_MODELS = process.env.HEARTH_MODELS || '/work/shared/models';

export const START_TIMEOUT_MS = 20_000;
export const STOP_TIMEOUT_MS = 10_000;
// llama-server loads its model before it listens: a large vocabulary takes seconds on a loaded machine.
export const LLAMA_START_TIMEOUT_MS = 60_000;

// The one line hearth prints on stdout once it accepts connections (asked for with --port 0).
const LISTENING_RE = /^hearth listening on (\S+):(\d+)\s*$/m;

function requireExecutable(file, variable) {
    try {
        fs.accessSync(file, fs.constants.X_OK);
    } catch {
        throw new Error(`${variable}: no executable at ${file} (build it, or point ${variable} at it)`);
    }
    return file;
}

// Every child still running when the test process exits is killed, so that a crashed test leaks nothing.
const liveServers = new Set();
process.on('exit', () => {
    for (const server of liveServers) {
        if (server.proc.exitCode === null && server.proc.signalCode === null) {
            server.proc.kill('SIGKILL');
        }
    }
});

function exitPromise(proc) {
    return new Promise((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) {
            resolve({ code: proc.exitCode, signal: proc.signalCode });
            return;
        }
        proc.once('exit', (code, signal) => resolve({ code, signal }));
    });
}

// Starts `hearth serve` on 127.0.0.1 and a free port. Resolves once the listening line is printed.
//   modelsDir: passed as --models-dir (left out when undefined, so that the server's default applies)
//   args:      more command-line arguments (e.g. ['--idle-timeout', '1'])
//   env:       more environment variables
//   builtinVoice: keep the built-in flite voice in the catalog (off by default, so that model lists hold
//                 exactly the files a test wrote; the speech tests turn it on)
//   port:      the port to listen on (default: a free one)
export async function startServer({ modelsDir, args = [], env = {}, builtinVoice = false,
    timeoutMs = START_TIMEOUT_MS, port = 0 } = {}) {
    const bin = requireExecutable(HEARTH_BIN, 'HEARTH_BIN');
    const argv = ['serve', '--host', '127.0.0.1', '--port', String(port)];
    if (modelsDir !== undefined) {
        argv.push('--models-dir', modelsDir);
    }
    if (!builtinVoice) {
        argv.push('--no-builtin-voice');
    }
    argv.push(...args);
    return startListening({ name: 'hearth', bin, argv, env: { ...process.env, ...env }, listeningStream: 'stdout',
        listeningRe: LISTENING_RE, timeoutMs });
}

// The engines' prefix (scripts/deps.sh --prefix), where llama.cpp's reference tools live in tools/.
export function depsPrefix() {
    if (process.env.HEARTH_DEPS_PREFIX) {
        return process.env.HEARTH_DEPS_PREFIX;
    }
    return execFileSync(path.join(REPO_ROOT, 'scripts', 'deps.sh'), ['--prefix'], { encoding: 'utf8' }).trim();
}

// The line llama-server logs (on stderr) once its model is loaded and it accepts connections.
const LLAMA_LISTENING_RE = /listening on http:\/\/[^\s/]+:(\d+)/;

// Starts llama.cpp's own llama-server (from the engines' prefix) on 127.0.0.1 and a free port, serving
// `model` with `args` added. Resolves once GET /health answers 200. Tracked like hearth's servers: stop it
// with stopAllServers() (or its stop()), and the test process kills it if it exits first.
export async function startLlamaServer({ model, args = [], timeoutMs = LLAMA_START_TIMEOUT_MS } = {}) {
    const bin = requireExecutable(path.join(depsPrefix(), 'tools', 'llama-server'), 'HEARTH_DEPS_PREFIX');
    const argv = ['--model', model, '--host', '127.0.0.1', '--port', '0', ...args];
    // Its libraries come from its RUNPATH and its backend modules from its own folder; a caller's
    // LD_LIBRARY_PATH must not swap in others.
    const env = { ...process.env };
    delete env.LD_LIBRARY_PATH;
    const server = await startListening({ name: 'llama-server', bin, argv, env, listeningStream: 'stderr',
        listeningRe: LLAMA_LISTENING_RE, timeoutMs });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        try {
            const res = await fetch(`${server.baseURL}/health`, { signal: AbortSignal.timeout(2_000) });
            if (res.status === 200) {
                return server;
            }
        } catch {
            // not answering yet
        }
        if (Date.now() > deadline) {
            await server.stop('SIGKILL').catch(() => {});
            throw new Error(`llama-server: GET /health was not 200 within ${timeoutMs} ms.\n` +
                            `command: ${bin} ${argv.join(' ')}\noutput:\n${server.output()}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
}

// Spawns `bin argv` and resolves with its server object once what it writes to listeningStream ('stdout' or
// 'stderr') matches listeningRe, whose last group is the port.
async function startListening({ name, bin, argv, env, listeningStream, listeningRe, timeoutMs }) {
    const proc = spawn(bin, argv, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let output = '';
    const exited = exitPromise(proc);
    const server = {
        name,
        proc,
        port: 0,
        baseURL: '',
        exited,
        stopped: null,
        output: () => output,
        stop: (signal = 'SIGTERM') => stopServer(server, signal),
    };
    liveServers.add(server);

    const port = await new Promise((resolve, reject) => {
        let settled = false;
        const finish = (err, value) => {
            if (settled) {
                return;
            }
            settled = true;
            clearTimeout(timer);
            if (err) {
                reject(err);
            } else {
                resolve(value);
            }
        };
        const timer = setTimeout(() => {
            proc.kill('SIGKILL');
            finish(new Error(`${name} did not print its listening line within ${timeoutMs} ms.\n` +
                             `command: ${bin} ${argv.join(' ')}\noutput:\n${output}`));
        }, timeoutMs);
        let watched = '';
        proc.stdout.setEncoding('utf8');
        proc.stderr.setEncoding('utf8');
        for (const stream of ['stdout', 'stderr']) {
            proc[stream].on('data', (chunk) => {
                output += chunk;
                if (stream !== listeningStream) {
                    return;
                }
                watched += chunk;
                const m = listeningRe.exec(watched);
                if (m) {
                    finish(null, Number(m[m.length - 1]));
                }
            });
        }
        proc.once('error', (err) => finish(new Error(`cannot start ${bin}: ${err.message}`)));
        exited.then(({ code, signal }) => finish(new Error(
            `${name} exited (code ${code}, signal ${signal}) before listening.\n` +
            `command: ${bin} ${argv.join(' ')}\noutput:\n${output}`)));
    }).catch((err) => {
        liveServers.delete(server);
        throw err;
    });
    server.port = port;
    server.baseURL = `http://127.0.0.1:${port}`;
    return server;
}

// Sends the signal and asserts a clean exit (code 0, not killed by a signal) within STOP_TIMEOUT_MS.
// Idempotent: a second call returns the first call's outcome.
function stopServer(server, signal) {
    if (server.stopped) {
        return server.stopped;
    }
    server.stopped = (async () => {
        const { proc } = server;
        const alreadyExited = proc.exitCode !== null || proc.signalCode !== null;
        if (!alreadyExited) {
            proc.kill(signal);
        }
        let timer;
        const timeout = new Promise((resolve) => {
            timer = setTimeout(() => resolve(null), STOP_TIMEOUT_MS);
        });
        const outcome = await Promise.race([server.exited, timeout]);
        clearTimeout(timer);
        liveServers.delete(server);
        if (outcome === null) {
            proc.kill('SIGKILL');
            await server.exited;
            assert.fail(`${server.name} did not exit within ${STOP_TIMEOUT_MS} ms of ${signal}; output:\n` +
                        server.output());
        }
        const what = alreadyExited ? `${server.name} had exited on its own before being stopped`
            : `${server.name} after ${signal}`;
        assert.equal(outcome.signal, null, `${what}: killed by signal ${outcome.signal}; output:\n${server.output()}`);
        assert.equal(outcome.code, 0, `${what}: exit code ${outcome.code}; output:\n${server.output()}`);
        assert.ok(!alreadyExited, `${what} (exit code ${outcome.code}); output:\n${server.output()}`);
        return outcome;
    })();
    return server.stopped;
}

// Stops every server still running (for `after` hooks); fails with the first problem after stopping all.
export async function stopAllServers() {
    const results = await Promise.allSettled([...liveServers].map((server) => server.stop()));
    const failures = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
    if (failures.length > 0) {
        throw failures[0];
    }
}

// Runs hearth with the given arguments to completion (or kills it after timeoutMs).
export function runHearth(args, { timeoutMs = 10_000, env = {} } = {}) {
    const bin = requireExecutable(HEARTH_BIN, 'HEARTH_BIN');
    return runProcess(bin, args, { timeoutMs, env });
}

export function runProcess(bin, args, { timeoutMs = 10_000, env = {} } = {}) {
    return new Promise((resolve, reject) => {
        const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
        let stdout = '';
        let stderr = '';
        let timedOut = false;
        proc.stdout.setEncoding('utf8');
        proc.stderr.setEncoding('utf8');
        proc.stdout.on('data', (c) => { stdout += c; });
        proc.stderr.on('data', (c) => { stderr += c; });
        const timer = setTimeout(() => {
            timedOut = true;
            proc.kill('SIGKILL');
        }, timeoutMs);
        proc.once('error', (err) => {
            clearTimeout(timer);
            reject(err);
        });
        proc.once('close', (code, signal) => {
            clearTimeout(timer);
            resolve({ code, signal, stdout, stderr, output: stdout + stderr, timedOut });
        });
    });
}

// Generates a random-weight test model: hearth-mkmodel --preset PRESET --type TYPE --seed SEED -o FILE
// (with --untied: a separate output matrix instead of the token embeddings; extra: more arguments, such as
// ['--mmproj-for', textModel] for a projector).
export async function mkmodel(preset, file, { type = 'f16', seed = 1, untied = false, extra = [] } = {}) {
    const bin = requireExecutable(HEARTH_MKMODEL, 'HEARTH_MKMODEL');
    const args = ['--preset', preset, '--type', type, '--seed', String(seed), '-o', file, ...extra];
    if (untied) {
        args.push('--untied');
    }
    const r = await runProcess(bin, args, { timeoutMs: 120_000 });
    if (r.code !== 0 || !fs.existsSync(file)) {
        throw new Error(`${bin} ${args.join(' ')} failed (code ${r.code}, signal ${r.signal}):\n${r.output}`);
    }
    return file;
}

// Throw-away directories under os.tmpdir(), removed by removeTempDirs(). Paths are real paths (no symlinks),
// so they compare equal to the paths the server reports.
const tempDirs = new Set();

export async function makeTempDir(label = 'models') {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), `hearth-e2e-${label}-`));
    tempDirs.add(dir);
    return fsp.realpath(dir);
}

export async function removeTempDirs() {
    const dirs = [...tempDirs];
    tempDirs.clear();
    await Promise.all(dirs.map((dir) => fsp.rm(dir, { recursive: true, force: true })));
}

// Writes `content` (string or Buffer) to dir/rel, creating the parent folders.
export async function writeFileIn(dir, rel, content) {
    const file = path.join(dir, rel);
    await fsp.mkdir(path.dirname(file), { recursive: true });
    await fsp.writeFile(file, content);
    return file;
}

// Copies `source` to dir/rel (optionally only its first `bytes` bytes), creating the parent folders.
export async function copyFileIn(dir, rel, source, { bytes } = {}) {
    const file = path.join(dir, rel);
    await fsp.mkdir(path.dirname(file), { recursive: true });
    if (bytes === undefined) {
        await fsp.copyFile(source, file);
    } else {
        const handle = await fsp.open(source, 'r');
        try {
            const buf = Buffer.alloc(bytes);
            const { bytesRead } = await handle.read(buf, 0, bytes, 0);
            assert.equal(bytesRead, bytes, `${source} is shorter than ${bytes} bytes`);
            await fsp.writeFile(file, buf);
        } finally {
            await handle.close();
        }
    }
    return file;
}

// A real model of the shared set, failing clearly when the set is missing.
export function sharedModel(rel) {
    const file = path.join(HEARTH_MODELS, rel);
    if (!fs.existsSync(file)) {
        throw new Error(`missing shared model ${file} (set HEARTH_MODELS to the shared models directory)`);
    }
    return file;
}
