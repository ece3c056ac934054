// ggml RPC and device placement: `hearth rpc-worker` processes on loopback serve their CPU as remote devices,
// and a model's `rpc` option spreads its layers over the local CPU and them.
//   - `hearth devices --rpc` lists the remote devices; an endpoint with no worker is a clear error.
//   - stories260K split between the local CPU and two workers gives the same greedy tokens as on one device.
//   - tensor_split 3:1 over two workers puts 6 and 2 of a generated 7-layer model's 8 layers (7 + output) on
//     them, as llama.cpp's layer split says, and the local CPU against one worker 3:1 (n_gpu_layers 2) 6 and 2;
//     the model status shows the placement.
//   - bad placements fail the load with a clear reason (unknown device, a split longer than the devices,
//     main_gpu out of range); a worker that is down fails the load, the server serving on; a reload succeeds
//     once the worker is up.
//   - models with RPC workers run isolated (a process of their own) unless told otherwise: a worker that dies
//     mid-stream ends that stream with an error event and fails the model (how its process ended in /health),
//     the server and its other models serve on, and the model loads again once the worker is back
//     (isolation itself: isolation.test.mjs).
//   - /health answers 503 "loading" while a --load model loads (held here by a port that accepts and never
//     answers the RPC handshake, which the load waits 3 s for), then 200 with the model failed and its reason.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { request, sleep } from './lib/http.mjs';
import {
    HEARTH_BIN, HEARTH_MKMODEL, makeTempDir, removeTempDirs, runHearth, runProcess, sharedModel, startServer,
    stopAllServers, writeFileIn,
} from './lib/server.mjs';
import { complete, freePort, load, startWorker, stopWorker, unload, workers } from './lib/workers.mjs';

describe('ggml RPC workers and device placement', () => {
    let dir;
    let w1;
    let w2;
    let downPort;
    let w3;
    let server;

    before(async () => {
        dir = await makeTempDir('rpc');
        w1 = await startWorker(await freePort());
        w2 = await startWorker(await freePort());
        downPort = await freePort();
        w3 = await startWorker(await freePort());
        const m7 = path.join(dir, 'm7.gguf');
        const made = await runProcess(HEARTH_MKMODEL, ['--arch', 'llama', '--layers', '7', '--embd', '64', '--ff', '128',
            '--heads', '4', '--kv-heads', '2', '--type', 'f32', '--seed', '3', '-o', m7], { timeoutMs: 120_000 });
        assert.equal(made.code, 0, made.output);
        const stories = sharedModel('stories260K/stories260K-f32.gguf');
        const models = [
            { name: 'local', path: stories },
            { name: 'split', path: stories,
              options: { rpc: [w1.endpoint, w2.endpoint], n_gpu_layers: 3, tensor_split: [1, 1], isolate: false } },
            { name: 'split-isolated', path: stories,
              options: { rpc: [w1.endpoint, w2.endpoint], n_gpu_layers: 3, tensor_split: [1, 1] } },
            { name: 'cpu-three-one', path: m7, options: { rpc: [w1.endpoint], n_gpu_layers: 2 } },
            { name: 'dies', path: m7, options: { rpc: [w3.endpoint], n_gpu_layers: 99 } },
            { name: 'three-one', path: m7, options: { rpc: `${w1.endpoint},${w2.endpoint}`, tensor_split: [3, 1],
              n_gpu_layers: 99 } },
            { name: 'down', path: stories, options: { rpc: [`127.0.0.1:${downPort}`], n_gpu_layers: 99 } },
            { name: 'bad-device', path: stories, options: { device: 'NoSuchGPU' } },
            { name: 'long-split', path: stories, options: { rpc: [w1.endpoint], tensor_split: [1, 1, 1] } },
            { name: 'bad-main', path: stories, options: { rpc: [w1.endpoint], split_mode: 'none', main_gpu: 3 } },
        ];
        const config = await writeFileIn(dir, 'config.json', JSON.stringify({ models }));
        server = await startServer({ modelsDir: await makeTempDir('rpc-empty'),
            args: ['--config', config, '--threads', '1', '--parallel', '1'] });
    });

    after(async () => {
        await stopAllServers();
        await Promise.all(workers.map(stopWorker));
        await removeTempDirs();
    });

    test('hearth devices --rpc lists the workers\' devices; a missing worker is an error', async () => {
        const listed = await runHearth(['devices', '--json', '--rpc', `${w1.endpoint},${w2.endpoint}`]);
        assert.equal(listed.code, 0, listed.output);
        const remote = JSON.parse(listed.stdout).filter((d) => d.type === 'rpc');
        assert.deepEqual(remote.map((d) => d.description), [w1.endpoint, w2.endpoint]);
        assert.ok(remote.every((d) => d.memory_total > 0), listed.stdout);
        const missing = await runHearth(['devices', '--rpc', `127.0.0.1:${downPort}`]);
        assert.equal(missing.code, 1);
        assert.match(missing.stderr, /nothing accepts connections/);
        const malformed = await runHearth(['devices', '--rpc', 'localhost']);
        assert.equal(malformed.code, 1);
        assert.match(malformed.stderr, /expected host:port/);
    });

    test('a worker binds loopback unless told otherwise, and then warns loudly', async () => {
        assert.match(w1.output(), /rpc-worker serving on 127\.0\.0\.1:\d+/);
        assert.doesNotMatch(w1.output(), /NO authentication/);
        const port = await freePort();
        const open = spawn(HEARTH_BIN, ['rpc-worker', '--host', '0.0.0.0', '--port', String(port)],
            { stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        open.stdout.on('data', (c) => { output += c; });
        open.stderr.on('data', (c) => { output += c; });
        for (let i = 0; i < 100 && !/serving on/.test(output); i++) {
            await sleep(20);
        }
        open.kill('SIGKILL');
        assert.match(output, /rpc-worker listens on 0\.0\.0\.0: ggml RPC has NO authentication or encryption/);
    });

    test('split over the local CPU and two workers: the same greedy tokens as one device', async () => {
        const alone = await complete(server.baseURL, 'local');
        const split = await complete(server.baseURL, 'split');
        assert.ok(alone.length > 20, alone);
        assert.equal(split, alone);
        const status = (await request(server.baseURL, '/v1/models/split')).json;
        // stories260K: 5 layers + output; 3 offloaded (2 layers and the output), split 1:1 over the two workers.
        assert.deepEqual(status.placement.layers, { CPU: 3, RPC0: 2, RPC1: 1 });
        assert.deepEqual((await request(server.baseURL, '/v1/models/local')).json.placement.layers, { CPU: 6 });
        await unload(server.baseURL, 'split');
        // The isolated copy, in a process of its own: the same tokens and placement, reported by that process.
        assert.equal(await complete(server.baseURL, 'split-isolated'), alone);
        assert.deepEqual((await request(server.baseURL, '/v1/models/split-isolated')).json.placement.layers,
            { CPU: 3, RPC0: 2, RPC1: 1 });
        await unload(server.baseURL, 'split-isolated');
    });

    test('tensor_split 3:1 over two workers places 6 and 2 of 8 layers', async () => {
        await complete(server.baseURL, 'three-one');
        const status = (await request(server.baseURL, '/v1/models/three-one')).json;
        assert.deepEqual(status.placement.layers, { RPC0: 6, RPC1: 2 });
        assert.deepEqual(status.options.rpc, [w1.endpoint, w2.endpoint]);
        assert.deepEqual(status.options.tensor_split, [3, 1]);
        await unload(server.baseURL, 'three-one');
        // The local CPU against a worker, 3:1: the CPU holds what n_gpu_layers leaves (llama.cpp's tensor_split
        // counts offload devices only).
        await complete(server.baseURL, 'cpu-three-one');
        assert.deepEqual((await request(server.baseURL, '/v1/models/cpu-three-one')).json.placement.layers,
            { CPU: 6, RPC0: 2 });
        await unload(server.baseURL, 'cpu-three-one');
    });

    test('bad placements fail the load with the reason; the server serves on', async () => {
        const cases = [
            ['bad-device', /unknown device 'NoSuchGPU' \(known: none, CPU/],
            ['long-split', /tensor_split has 3 shares for 1 offload devices/],
            ['bad-main', /main_gpu 3 is not a device index: this model has 1 offload devices/],
        ];
        for (const [model, reason] of cases) {
            const res = await load(server.baseURL, model);
            assert.equal(res.status, 503, `${model}: ${res.text}`);  // the load API: a failed load is model_not_ready
            assert.equal(res.json.error.code, 'model_not_ready');
            assert.match(res.json.error.message, reason);
            const status = (await request(server.baseURL, `/v1/models/${model}`)).json;
            assert.equal(status.state, 'failed');
            assert.match(status.last_error, reason);
        }
        assert.equal((await request(server.baseURL, '/health')).status, 200);
    });

    test('a worker that is down fails the load; once it is up, a reload succeeds', async () => {
        const res = await load(server.baseURL, 'down');
        assert.equal(res.status, 503, res.text);
        assert.match(res.json.error.message, /rpc worker 127\.0\.0\.1:\d+: nothing accepts connections/);
        const health = (await request(server.baseURL, '/health')).json;
        assert.equal(health.status, 'ok');
        assert.match(health.failed.down, /nothing accepts connections/);
        const worker = await startWorker(downPort);
        const again = await load(server.baseURL, 'down');
        assert.equal(again.status, 200, again.text);
        assert.equal(await complete(server.baseURL, 'down'), await complete(server.baseURL, 'local'));
        // Every layer on the one worker's device (the first its isolated process attached).
        assert.deepEqual((await request(server.baseURL, '/v1/models/down')).json.placement.layers, { RPC0: 6 });
        await stopWorker(worker);
    });

    test('a worker that dies mid-stream fails that stream and the model, not the server', async () => {
        const res = await fetch(`${server.baseURL}/v1/completions`, { method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'dies', prompt: 'Once', max_tokens: 1500, ignore_eos: true, stream: true }) });
        assert.equal(res.status, 200);
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        let text = decoder.decode((await reader.read()).value);
        await stopWorker(w3);  // SIGKILL: its client in the model's process aborts
        for (;;) {
            const { value, done } = await reader.read();
            if (done) {
                break;
            }
            text += decoder.decode(value, { stream: true });
        }
        assert.doesNotMatch(text, /\[DONE\]/);
        const last = JSON.parse(text.trim().split('\n\n').pop().replace(/^data: /, ''));
        assert.equal(last.error.code, 'upstream_error', text.slice(-400));
        let status;
        for (let i = 0; i < 100; i++) {
            status = (await request(server.baseURL, '/v1/models/dies')).json;
            if (status.state === 'failed') {
                break;
            }
            await sleep(50);
        }
        assert.equal(status.state, 'failed');
        assert.match(status.last_error, /the model's process ended \(signal 6/);
        const health = await request(server.baseURL, '/health');
        assert.equal(health.status, 200);
        assert.match(health.json.failed.dies, /process ended/);
        assert.ok((await complete(server.baseURL, 'local')).length > 20, 'another model serves on');
        const back = await startWorker(w3.port);
        const again = await load(server.baseURL, 'dies');
        assert.equal(again.status, 200, again.text);
        assert.equal(again.json.state, 'ready');
        await complete(server.baseURL, 'dies');
        await stopWorker(back);
    });
});

describe('/health while --load models load', () => {
    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    test('503 "loading" until the load ends, then 200 with the failed model and its reason', async () => {
        // Accepts connections and never answers: the RPC handshake the load waits for takes its 3 s timeout.
        const silent = net.createServer(() => {});
        await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve));
        const dir = await makeTempDir('rpc-load');
        const config = await writeFileIn(dir, 'config.json', JSON.stringify({ models: [
            { name: 'held', path: sharedModel('stories260K/stories260K-f32.gguf'),
              options: { rpc: [`127.0.0.1:${silent.address().port}`] } }] }));
        const port = await freePort();
        const proc = spawn(HEARTH_BIN, ['serve', '--port', String(port), '--models-dir', dir, '--config', config,
            '--no-builtin-voice', '--load', 'held'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        proc.stdout.on('data', (c) => { output += c; });
        proc.stderr.on('data', (c) => { output += c; });
        try {
            const seen = [];
            const started = Date.now();
            for (;;) {
                assert.ok(Date.now() - started < 20_000, `no 200 from /health: ${seen.join(', ')}\n${output}`);
                let res;
                try {
                    res = await request(`http://127.0.0.1:${port}`, '/health', { timeoutMs: 2_000 });
                } catch {
                    await sleep(20);
                    continue;  // not listening yet
                }
                seen.push(`${res.status} ${res.json.status}`);
                if (res.status === 200) {
                    assert.equal(res.json.status, 'ok');
                    assert.match(res.json.failed.held, /no RPC handshake within 3000 ms/);
                    break;
                }
                assert.equal(res.status, 503);
                assert.equal(res.json.status, 'loading');
                await sleep(100);
            }
            assert.ok(seen.filter((s) => s === '503 loading').length >= 5, seen.join(', '));
        } finally {
            proc.kill('SIGKILL');
            silent.close();
        }
    });
});
