// Helpers of the RPC and isolation suites: `hearth rpc-worker` processes on free loopback ports, greedy
// completions, model loads and unloads, and the processes of isolated models.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

import { request, sleep } from './http.mjs';
import { HEARTH_BIN } from './server.mjs';

export const TOKENS = 48;
// Every worker started, for the suites' after hooks (stopWorker on each).
export const workers = [];

export async function freePort() {
    const server = net.createServer();
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address();
    await new Promise((resolve) => server.close(resolve));
    return port;
}

async function accepts(port) {
    return new Promise((resolve) => {
        const socket = net.connect({ host: '127.0.0.1', port });
        socket.once('connect', () => { socket.destroy(); resolve(true); });
        socket.once('error', () => resolve(false));
    });
}

// Starts `hearth rpc-worker` on `port`; resolves once it accepts connections.
export async function startWorker(port) {
    const proc = spawn(HEARTH_BIN, ['rpc-worker', '--port', String(port), '--threads', '1'],
        { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout.on('data', (c) => { output += c; });
    proc.stderr.on('data', (c) => { output += c; });
    const worker = { proc, port, endpoint: `127.0.0.1:${port}`, output: () => output };
    workers.push(worker);
    for (let i = 0; i < 200 && !(await accepts(port)); i++) {
        assert.equal(proc.exitCode, null, `rpc-worker exited: ${output}`);
        await sleep(50);
    }
    assert.ok(await accepts(port), `rpc-worker on ${port} does not accept: ${output}`);
    return worker;
}

export async function stopWorker(worker) {
    if (worker.proc.exitCode === null && worker.proc.signalCode === null) {
        const exited = new Promise((resolve) => worker.proc.once('exit', resolve));
        worker.proc.kill('SIGKILL');
        await exited;
    }
}

export async function complete(base, model, prompt = 'Once upon a time') {
    const res = await request(base, '/v1/completions', { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, prompt, max_tokens: TOKENS, temperature: 0, ignore_eos: true }),
        timeoutMs: 60_000 });
    assert.equal(res.status, 200, res.text);
    return res.json.choices[0].text;
}

export async function load(base, model) {
    return request(base, `/v1/models/${model}/load`, { method: 'POST', timeoutMs: 60_000 });
}

// A worker serves one client process at a time: a model lets its workers go for the next one by unloading.
export async function unload(base, model) {
    const res = await request(base, `/v1/models/${model}/unload`, { method: 'POST', timeoutMs: 60_000 });
    assert.equal(res.status, 200, res.text);
}

// The pid of the newest process started for `model`, from the server's log.
export function processOf(server, model) {
    const started = [...server.output().matchAll(new RegExp(`model ${model}: starting its process (\\d+)`, 'g'))];
    return started.length > 0 ? Number(started.at(-1)[1]) : 0;
}

// A process's open file descriptors and resident memory (bytes), from /proc.
export function openFiles(pid) {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
}

export function residentBytes(pid) {
    const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
    return Number(/(\d+)/.exec(line)[1]) * 1024;
}

// Alive and not a zombie waiting for its reaper.
export function running(pid) {
    try {
        return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    } catch {
        return false;
    }
}
