// Isolated models (issue 21): `hearth serve --isolate` or a model's `isolate: true` runs text, embedding and
// rerank models in processes of their own (models with RPC workers are isolated anyway).
//   - the process ends when the server that started it is killed;
//   - isolated answers equal in-process ones (text, embeddings; a body over 1 MiB too), and so do their status
//     counters, memory and /metrics series; a client leaving mid-stream cancels the generation there;
//   - kill -9 of the process mid-stream: that stream ends with an error event, the model turns failed with how
//     the process ended, other models serve on, and it restarts after a 1 s backoff (refused meanwhile);
//   - kill -9 during a load fails that load with the reason; during an embedding batch the batch gets 502;
//   - an abort inside llama_decode (the test-only hook, engine/fault_injection.h) and a model file that fails an
//     assertion in llama.cpp's loader each end only their own process: the other models answer throughout, no
//     request hangs, and the server's open files and resident memory return to their level.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { T, ggufWithExtraKeys } from './lib/gguf.mjs';
import { assertAlive, request, sleep } from './lib/http.mjs';
import {
    copyFileIn, makeTempDir, mkmodel, removeTempDirs, sharedModel, startServer, stopAllServers, writeFileIn,
} from './lib/server.mjs';
import {
    complete, freePort, openFiles, processOf, residentBytes, running, startWorker, stopWorker, workers,
} from './lib/workers.mjs';

describe('an isolated model\'s process', () => {
    after(async () => {
        await stopAllServers();
        await Promise.all(workers.map(stopWorker));
        await removeTempDirs();
    });

    test('ends when the server that started it is killed', async () => {
        const worker = await startWorker(await freePort());
        const dir = await makeTempDir('rpc-orphan');
        const config = await writeFileIn(dir, 'config.json', JSON.stringify({ models: [
            { name: 'iso', path: sharedModel('stories260K/stories260K-f32.gguf'), options: { rpc: [worker.endpoint] } }] }));
        const server = await startServer({ modelsDir: dir, args: ['--config', config, '--load', 'iso'] });
        const m = /model iso runs isolated: process (\d+)/.exec(server.output());
        assert.ok(m, server.output());
        const child = Number(m[1]);
        assert.ok(running(child), 'the model\'s process runs');
        server.proc.kill('SIGKILL');
        await server.exited;
        server.stopped = Promise.resolve();
        for (let i = 0; i < 100 && running(child); i++) {
            await sleep(50);
        }
        assert.ok(!running(child), `process ${child} still runs after its server was killed`);
    });
});

describe('hearth serve --isolate', () => {
    let server;

    before(async () => {
        const dir = await makeTempDir('isolate');
        const stories = sharedModel('stories260K/stories260K-f32.gguf');
        await mkmodel('tiny-bert', path.join(dir, 'bert.gguf'));
        await mkmodel('tiny-qwen2', path.join(dir, 'chat.gguf'));
        const config = await writeFileIn(dir, 'config.json', JSON.stringify({ models: [
            { name: 'chat', path: path.join(dir, 'chat.gguf') },
            { name: 'stories', path: stories },
            { name: 'stories-in', path: stories, options: { isolate: false } },
            { name: 'bert', path: path.join(dir, 'bert.gguf') },
            { name: 'bert-in', path: path.join(dir, 'bert.gguf'), options: { isolate: false } }] }));
        server = await startServer({ modelsDir: dir, args: ['--config', config, '--isolate', '--threads', '1'] });
    });

    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    test('isolated text and embedding models answer as in-process ones', async () => {
        assert.equal(await complete(server.baseURL, 'stories'), await complete(server.baseURL, 'stories-in'));
        const embed = async (model, input = ['a cat', 'a dog']) => (await request(server.baseURL, '/v1/embeddings', {
            method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, input }),
            timeoutMs: 60_000 })).json;
        const isolated = await embed('bert');
        const inProcess = await embed('bert-in');
        assert.equal(isolated.data.length, 2);
        assert.deepEqual(isolated.data, inProcess.data);
        // A large answer (megabytes, hundreds of pieces) comes through whole.
        const many = Array.from({ length: 2000 }, (_, i) => `input ${i}`);
        const bigIsolated = await embed('bert', many);
        const bigInProcess = await embed('bert-in', many);
        assert.equal(bigIsolated.data.length, 2000);
        assert.deepEqual(bigIsolated.data, bigInProcess.data);
        // A body over 1 MiB (the size the gateway reads a model name from for its logs) reaches the process too.
        const big = await request(server.baseURL, '/v1/completions', { method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ prompt: 'word '.repeat(250_000), max_tokens: 1, model: 'stories' }) });
        assert.equal(big.status, 400, big.text);
        assert.equal(big.json.error.code, 'context_length_exceeded', big.text);
        const models = (await request(server.baseURL, '/v1/models')).json.data;
        const flags = Object.fromEntries(models.map((m) => [m.id, m.isolated === true]));
        assert.deepEqual(flags, { chat: true, stories: true, 'stories-in': false, bert: true, 'bert-in': false });
        // Their counters come from their processes: status and /metrics report them as for in-process models.
        const status = (await request(server.baseURL, '/v1/models/stories')).json;
        const statusIn = (await request(server.baseURL, '/v1/models/stories-in')).json;
        assert.deepEqual(Object.keys(status.slots), Object.keys(statusIn.slots));
        assert.equal(status.slots.total, statusIn.slots.total);
        assert.equal(status.memory_bytes, statusIn.memory_bytes, 'counted in the memory budget alike');
        assert.ok(status.memory_bytes > 0);
        assert.ok(status.slots.finished >= 1, JSON.stringify(status.slots));
        assert.equal((await request(server.baseURL, '/v1/models/bert')).json.embedding.inputs, 2 + 2000);
        const exposition = (await request(server.baseURL, '/metrics')).text;
        const value = (series) => Number(exposition.split('\n').find((l) => l.startsWith(`${series} `))?.split(' ')[1]);
        assert.equal(value('hearth_generated_tokens_total{model="stories"}'),
            value('hearth_generated_tokens_total{model="stories-in"}'));
        const ttft = 'hearth_time_to_first_token_seconds_count{endpoint="/v1/completions",model="stories"}';
        assert.ok(value(ttft) >= 1, 'TTFT of the isolated model');
        assert.equal(value('hearth_model_slots{model="stories"}'), value('hearth_model_slots{model="stories-in"}'));
        const series = exposition.split('\n').filter((l) => l && !l.startsWith('#'))
            .map((l) => l.slice(0, l.lastIndexOf(' ')));
        assert.equal(new Set(series).size, series.length, 'no series twice');
    });

    test('a response an isolated model stored is found, chained and deleted through the server', async () => {
        const post = (body) => request(server.baseURL, '/v1/responses', { method: 'POST',
            headers: { 'content-type': 'application/json' }, timeoutMs: 60_000,
            body: JSON.stringify({ model: 'chat', max_output_tokens: 8, temperature: 0, store: true, ...body }) });
        const first = await post({ input: 'Once upon a time' });
        assert.equal(first.status, 200, first.text);
        const got = await request(server.baseURL, `/v1/responses/${first.json.id}`);
        assert.equal(got.status, 200, got.text);
        assert.deepEqual(got.json, first.json);
        const next = await post({ input: 'And then', previous_response_id: first.json.id });
        assert.equal(next.status, 200, next.text);
        const deleted = await request(server.baseURL, `/v1/responses/${first.json.id}`, { method: 'DELETE' });
        assert.equal(deleted.status, 200, deleted.text);
        assert.equal((await request(server.baseURL, `/v1/responses/${first.json.id}`)).status, 404);
        assert.equal((await request(server.baseURL, '/v1/responses/resp_nosuch')).status, 404);
    });

    test('a client that leaves mid-stream cancels the generation in the model\'s process', async () => {
        const before = (await request(server.baseURL, '/v1/models/stories')).json.slots.cancelled;
        const controller = new AbortController();
        const res = await fetch(`${server.baseURL}/v1/completions`, { method: 'POST', signal: controller.signal,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'stories', prompt: 'Once', max_tokens: 500, ignore_eos: true, stream: true }) });
        await res.body.getReader().read();
        controller.abort();
        let slots;
        for (let i = 0; i < 250; i++) {
            slots = (await request(server.baseURL, '/v1/models/stories')).json.slots;
            if (slots.cancelled > before && slots.busy === 0) {
                break;
            }
            await sleep(20);
        }
        assert.equal(slots.cancelled, before + 1, JSON.stringify(slots));
        assert.equal(slots.busy, 0);
    });

    test('kill -9 of a model\'s process mid-stream: that stream fails, the others serve, it restarts after 1 s', async () => {
        const level = levelOf(server.proc.pid);
        const res = await fetch(`${server.baseURL}/v1/completions`, { method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'stories', prompt: 'Once', max_tokens: 400, ignore_eos: true, stream: true }) });
        const reader = res.body.getReader();
        let text = new TextDecoder().decode((await reader.read()).value);
        const pids = [...server.output().matchAll(/model stories runs isolated: process (\d+)/g)];
        process.kill(Number(pids.at(-1)[1]), 'SIGKILL');
        text = await readStream(reader, text);
        assert.match(text, /"code":"upstream_error"/);
        assert.doesNotMatch(text, /\[DONE\]/);
        const status = await waitForState(server.baseURL, 'stories', 'failed');
        // Within its 1 s backoff (asked at once): refused with the reason, not started again.
        const early = await request(server.baseURL, '/v1/completions', { method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'stories', prompt: 'Once', max_tokens: 4 }) });
        assert.equal(early.status, 503, early.text);
        assert.match(early.json.error.message, /crashed 1 times in a row; it restarts in 1 s/);
        assert.match(status.last_error, /process ended \(signal 9/);
        assert.equal(status.crashes, 1);
        assert.ok((await complete(server.baseURL, 'stories-in')).length > 0, 'another model serves on');
        await sleep(1_100);
        assert.ok((await complete(server.baseURL, 'stories')).length > 0, 'restarted after its backoff');
        await sleep(500);
        assertBackToLevel(server.proc.pid, level);
    });
});

describe('kill -9 of an isolated model\'s process during a load and during an embedding batch', () => {
    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    test('the load fails with how the process ended; the batch fails with 502; other models serve', async () => {
        const dir = await makeTempDir('isolate-kill');
        await mkmodel('qwen2.5-0.5b', path.join(dir, 'qwen.gguf'), { type: 'q8_0' });
        await mkmodel('bge-small', path.join(dir, 'bge.gguf'));
        await copyFileIn(dir, 'stories.gguf', sharedModel('stories260K/stories260K-f32.gguf'));
        const server = await startServer({ modelsDir: dir, args: ['--isolate', '--threads', '2'] });
        // During a load: the process is killed once it has started, before it serves.
        const loading = request(server.baseURL, '/v1/models/qwen/load', { method: 'POST', timeoutMs: 60_000 });
        for (let i = 0; i < 500 && processOf(server, 'qwen') === 0; i++) {
            await sleep(5);
        }
        process.kill(processOf(server, 'qwen'), 'SIGKILL');
        const load = await loading;
        assert.equal(load.status, 503, load.text);
        assert.match(load.json.error.message, /the model's process ended \(signal 9/);
        const qwen = (await request(server.baseURL, '/v1/models/qwen')).json;
        assert.equal(qwen.state, 'failed');
        assert.equal(qwen.crashes, 1);
        // During an embedding batch: many inputs, killed mid-way.
        const ready = await request(server.baseURL, '/v1/models/bge/load', { method: 'POST', timeoutMs: 60_000 });
        assert.equal(ready.status, 200, ready.text);
        const inputs = Array.from({ length: 1500 }, (_, i) => `sentence number ${i} about cats and dogs and birds`);
        const batch = request(server.baseURL, '/v1/embeddings', { method: 'POST', timeoutMs: 60_000,
            headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'bge', input: inputs }) });
        await sleep(300);
        process.kill(processOf(server, 'bge'), 'SIGKILL');
        const killed = await batch;
        assert.equal(killed.status, 502, killed.text.slice(0, 300));
        assert.equal(killed.json.error.code, 'upstream_error');
        assert.match(killed.json.error.message, /process ended \(signal 9|did not answer/);
        // The others serve throughout: the in-process default is isolated too here, each its own process.
        assert.ok((await complete(server.baseURL, 'stories')).length > 0);
        await assertAlive(server.baseURL);
    });
});

// Requests to other models, one after another until stopped: every one must succeed.
function keepServing(base) {
    const state = { stop: false, answered: 0, failures: [] };
    state.done = (async () => {
        while (!state.stop) {
            for (const [route, body] of [
                ['/v1/completions', { model: 'stories-in', prompt: 'Once', max_tokens: 8 }],
                ['/v1/embeddings', { model: 'bert', input: ['a cat', 'a dog'] }]]) {
                const res = await request(base, route, { method: 'POST', headers: { 'content-type': 'application/json' },
                    body: JSON.stringify(body), timeoutMs: 30_000 }).catch((e) => ({ status: 0, text: String(e) }));
                if (res.status === 200) {
                    state.answered++;
                } else {
                    state.failures.push(`${body.model}: ${res.status} ${res.text.slice(0, 200)}`);
                }
            }
        }
    })();
    return state;
}

// A process's open files and resident memory, and the check that it came back to them (one more file allowed:
// a keep-alive connection; memory within 10% + 16 MiB).
function levelOf(pid) {
    return { files: openFiles(pid), rss: residentBytes(pid) };
}

function assertBackToLevel(pid, before) {
    const now = levelOf(pid);
    assert.ok(now.files <= before.files + 1, `open files ${before.files} -> ${now.files}`);
    assert.ok(now.rss <= before.rss * 1.1 + 16 * 2 ** 20, `resident memory ${before.rss} -> ${now.rss}`);
}

async function readStream(reader, text = '') {
    for (;;) {
        const { value, done } = await reader.read();
        if (done) {
            return text;
        }
        text += new TextDecoder().decode(value);
    }
}

async function waitForState(base, model, state) {
    let status;
    for (let i = 0; i < 200; i++) {
        status = (await request(base, `/v1/models/${model}`)).json;
        if (status.state === state) {
            break;
        }
        await sleep(20);
    }
    return status;
}

describe('an abort inside decode and an assertion in the loader end only their own process', () => {
    let server;
    let faults;

    before(async () => {
        const dir = await makeTempDir('isolate-faults');
        faults = await makeTempDir('isolate-fault-triggers');
        const stories = sharedModel('stories260K/stories260K-f32.gguf');
        await copyFileIn(dir, 'stories.gguf', stories);
        // A real model plus one key llama.cpp asserts on while reading hyper-parameters (experts used, none
        // present): GGML_ASSERT(n_expert_used_max <= hparams.n_expert) ends whatever process loads it.
        fs.writeFileSync(path.join(dir, 'asserts.gguf'),
            ggufWithExtraKeys(fs.readFileSync(stories), [['llama.expert_used_count', T.UINT32, 2]]));
        await mkmodel('tiny-bert', path.join(dir, 'bert.gguf'));
        const config = await writeFileIn(dir, 'config.json', JSON.stringify({ models: [
            { name: 'stories', path: path.join(dir, 'stories.gguf') },
            { name: 'stories-in', path: stories, options: { isolate: false } },
            { name: 'bert', path: path.join(dir, 'bert.gguf') },
            { name: 'asserts', path: path.join(dir, 'asserts.gguf') }] }));
        server = await startServer({ modelsDir: dir, args: ['--config', config, '--isolate', '--threads', '1'],
            env: { HEARTH_TEST_FAULT_DIR: faults } });
    });

    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    test('each fault fails its own requests, the others answer throughout, the server returns to its level',
        async () => {
            const base = server.baseURL;
            const pid = server.proc.pid;
            const warm = keepServing(base);  // warm-up: every model loaded and answering, connections settled
            for (let i = 0; i < 3; i++) {
                await complete(base, 'stories');
            }
            warm.stop = true;
            await warm.done;
            assert.deepEqual(warm.failures, []);
            await sleep(500);
            const level = levelOf(pid);
            const others = keepServing(base);

            // 1. An abort inside llama_decode, mid-stream.
            const res = await fetch(`${base}/v1/completions`, { method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ model: 'stories', prompt: 'Once', max_tokens: 500, ignore_eos: true,
                    stream: true }) });
            const reader = res.body.getReader();
            const first = new TextDecoder().decode((await reader.read()).value);  // it streams: now the fault
            fs.writeFileSync(path.join(faults, 'abort-in-decode-stories.gguf'), '');
            const text = await readStream(reader, first);
            assert.match(text, /"code":"upstream_error"/);
            assert.doesNotMatch(text, /\[DONE\]/);
            const aborted = await waitForState(base, 'stories', 'failed');
            assert.equal(aborted.state, 'failed');
            assert.match(aborted.last_error, /process ended \(signal 6 \(Aborted\)\): .*abort inside llama_decode/);
            fs.rmSync(path.join(faults, 'abort-in-decode-stories.gguf'));
            await sleep(1_100);
            assert.ok((await complete(base, 'stories')).length > 0, 'restarted after its backoff');

            // 2. A model file that fails an assertion in llama.cpp's loader: the load fails, nothing else does.
            const load = await request(base, '/v1/models/asserts/load', { method: 'POST', timeoutMs: 60_000 });
            assert.equal(load.status, 503, load.text);
            assert.match(load.json.error.message, /process ended \(signal 6 \(Aborted\)\): .*GGML_ASSERT/);
            const failed = (await request(base, '/v1/models/asserts')).json;
            assert.equal(failed.state, 'failed');
            assert.equal(failed.crashes, 1);
            assert.match(failed.last_error, /GGML_ASSERT\(n_expert_used_max <= hparams.n_expert\) failed/);
            const again = await request(base, '/v1/completions', { method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ model: 'asserts', prompt: 'Once', max_tokens: 4 }) });
            assert.equal(again.status, 503, again.text);  // within its backoff: refused, not started again

            others.stop = true;
            await others.done;
            assert.deepEqual(others.failures, []);
            assert.ok(others.answered >= 4, `other models answered ${others.answered} requests`);
            await assertAlive(base);
            await sleep(500);
            assertBackToLevel(pid, level);
            // A model's process holds nothing of the server's (its listening socket, its connections): one socket.
            const child = processOf(server, 'stories');
            const sockets = fs.readdirSync(`/proc/${child}/fd`).filter((fd) => {
                try {
                    return fs.readlinkSync(`/proc/${child}/fd/${fd}`).startsWith('socket:');
                } catch {
                    return false;
                }
            });
            assert.equal(sockets.length, 1, 'only its own listening socket');
        });
});
