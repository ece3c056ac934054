// Lifecycle: on SIGTERM/SIGINT the server drains: /health answers 503 "draining" and new requests 503
// "shutting_down" (so that a proxy sends them to another replica) while requests in flight finish (up to
// --shutdown-timeout); then it stops accepting, unloads its models and exits 0. A second signal exits at once.
// (/health's 503 "loading" while --load models load is tested in rpc.test.mjs, where a load can be held.)
// Work in flight: one slot and a queue of long generations, so that a signal always finds some running.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';

import { openRaw, sleep } from './lib/http.mjs';
import { copyFileIn, makeTempDir, removeTempDirs, sharedModel, startServer, stopAllServers } from './lib/server.mjs';

const QUEUED = 10;
const MAX_TOKENS = 400;

// Starts a streamed completion; resolves once its first chunk arrived, with `done`: the whole SSE text once
// the stream ends (or what arrived before the connection broke).
async function startStream(base) {
    const res = await fetch(`${base}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'stories', prompt: 'Once', max_tokens: MAX_TOKENS, ignore_eos: true,
            stream: true }) });
    assert.equal(res.status, 200);
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    const first = await reader.read();
    let text = decoder.decode(first.value, { stream: true });
    const done = (async () => {
        try {
            for (;;) {
                const { value, done: ended } = await reader.read();
                if (ended) {
                    return text;
                }
                text += decoder.decode(value, { stream: true });
            }
        } catch {
            return text;
        }
    })();
    return { done };
}

// QUEUED whole completions, each settling to { status, tokens } or { error }.
function queueCompletions(base) {
    return Array.from({ length: QUEUED }, (_, i) => fetch(`${base}/v1/completions`, { method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'stories', prompt: `Story ${i}`, max_tokens: MAX_TOKENS, ignore_eos: true }) })
        .then(async (res) => ({ status: res.status, tokens: (await res.json()).usage?.completion_tokens }))
        .catch((error) => ({ error })));
}

// Waits for the process to exit on its own (after our signals); marks it stopped for stopAllServers.
async function exitOf(server, withinMs) {
    const started = Date.now();
    const outcome = await Promise.race([server.exited, sleep(withinMs).then(() => null)]);
    assert.notEqual(outcome, null, `no exit within ${withinMs} ms; output:\n${server.output()}`);
    server.stopped = Promise.resolve(outcome);
    return { ...outcome, ms: Date.now() - started };
}

describe('graceful shutdown', () => {
    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    async function serve(args) {
        const dir = await makeTempDir('life');
        await copyFileIn(dir, 'stories.gguf', sharedModel('stories260K/stories260K-f32.gguf'));
        return startServer({ modelsDir: dir, args: ['--threads', '1', '--parallel', '1', ...args] });
    }

    test('SIGTERM: health says draining, new requests get 503, requests in flight finish, then exit 0', async () => {
        const server = await serve(['--shutdown-timeout', '60']);
        const ready = await fetch(`${server.baseURL}/health`);
        assert.equal(ready.status, 200);
        assert.equal((await ready.json()).status, 'ok');
        const stream = await startStream(server.baseURL);
        const queued = queueCompletions(server.baseURL);
        await sleep(100);
        server.proc.kill('SIGTERM');
        await sleep(200);
        const health = await fetch(`${server.baseURL}/health`);
        assert.equal(health.status, 503);
        assert.equal((await health.json()).status, 'draining');
        const late = await fetch(`${server.baseURL}/v1/completions`, { method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'stories', prompt: 'Late', max_tokens: 4 }) });
        assert.equal(late.status, 503);
        assert.equal(late.headers.get('retry-after'), '1');
        const body = await late.json();
        assert.equal(body.error.code, 'shutting_down');
        assert.equal(body.error.type, 'unavailable_error');
        const text = await stream.done;
        assert.match(text, /"finish_reason":"length"/, 'the stream ran to its end');
        assert.match(text, /data: \[DONE\]/);
        for (const r of await Promise.all(queued)) {
            assert.deepEqual(r, { status: 200, tokens: MAX_TOKENS });
        }
        const { code, signal } = await exitOf(server, 10_000);
        assert.equal(signal, null);
        assert.equal(code, 0, server.output());
        assert.match(server.output(), /finishing requests in flight/);
        await assert.rejects(openRaw(server.port), /ECONNREFUSED/, 'accepting after the exit');
    });

    test('past --shutdown-timeout the running requests are ended and the server still exits 0', async () => {
        const server = await serve(['--shutdown-timeout', '1']);
        const stream = await startStream(server.baseURL);
        const queued = queueCompletions(server.baseURL);
        await sleep(100);
        server.proc.kill('SIGTERM');
        const { code, signal, ms } = await exitOf(server, 8_000);
        assert.equal(signal, null);
        assert.equal(code, 0, server.output());
        assert.ok(ms >= 900, `exited after ${ms} ms, before the timeout`);
        const results = await Promise.all(queued);
        assert.ok(results.some((r) => r.status !== 200), 'some queued work was ended');
        await stream.done;
    });

    test('a second signal exits at once', async () => {
        const server = await serve(['--shutdown-timeout', '60']);
        await startStream(server.baseURL);
        const queued = queueCompletions(server.baseURL);
        await sleep(100);
        server.proc.kill('SIGTERM');
        await sleep(200);
        server.proc.kill('SIGINT');
        const { code, signal, ms } = await exitOf(server, 3_000);
        assert.ok(ms < 2_000, `exited ${ms} ms after the second signal`);
        assert.equal(signal, null);
        assert.equal(code, 128 + 2, server.output());
        await Promise.all(queued);
    });
});
