// Many clients at once: 1000 concurrent streaming requests on loopback against one small model with a short
// queue. Every request either streams to its end ([DONE]) or is refused with 429 (the queue is full); nothing
// else, no hang (the test stops itself). /health answers throughout, and afterwards the server's open files
// return to their level and its resident memory stays bounded.

import assert from 'node:assert/strict';
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { request } from './lib/http.mjs';
import {
    copyFileIn, makeTempDir, mkmodel, removeTempDirs, sharedModel, startServer, stopAllServers,
} from './lib/server.mjs';
import { openFiles, residentBytes } from './lib/workers.mjs';

const CLIENTS = 1000;
const DEADLINE_MS = 240_000;

// One streamed completion on a connection of its own: its status, and whether the stream ended with [DONE].
function streamOnce(port, signal) {
    return new Promise((resolve) => {
        const body = JSON.stringify({ model: 'stories', prompt: 'Once upon a time', max_tokens: 8, stream: true });
        const req = http.request({ host: '127.0.0.1', port, path: '/v1/completions', method: 'POST', agent: false,
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, signal },
        (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c) => { text += c; });
            res.on('end', () => resolve({ status: res.statusCode, done: text.includes('data: [DONE]'), text }));
            res.on('error', (e) => resolve({ status: res.statusCode, error: e.message }));
        });
        req.on('error', (e) => resolve({ status: 0, error: e.message }));
        req.end(body);
    });
}

describe('endurance', () => {
    let server;

    before(async () => {
        const dir = await makeTempDir('endurance');
        await copyFileIn(dir, 'stories.gguf', sharedModel('stories260K/stories260K-f32.gguf'));
        // Qwen2's 151k-token vocabulary makes each load allocate hundreds of MB (the logits buffer).
        await mkmodel('tiny-qwen2', path.join(dir, 'qwen.gguf'));
        server = await startServer({ modelsDir: dir,
            args: ['--threads', '1', '--np', '4', '--queue-size', '64', '--load', 'stories'] });
    });

    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    test(`${CLIENTS} concurrent streaming clients: each completes or gets 429; health answers; resources return`,
        async () => {
            const pid = server.proc.pid;
            const port = Number(new URL(server.baseURL).port);
            // Warm up, then the baseline.
            assert.equal((await streamOnce(port)).done, true);
            const filesBefore = openFiles(pid);
            const rssBefore = residentBytes(pid);
            const abort = AbortSignal.timeout(DEADLINE_MS);
            setMaxListeners(CLIENTS + 10, abort);
            let healthWorst = 0;
            let storming = true;
            const health = (async () => {
                while (storming) {
                    const t = Date.now();
                    const res = await request(server.baseURL, '/health', { timeoutMs: 10_000 });
                    assert.equal(res.status, 200);
                    healthWorst = Math.max(healthWorst, Date.now() - t);
                    await new Promise((r) => setTimeout(r, 200));
                }
            })();
            const results = await Promise.all(Array.from({ length: CLIENTS }, () => streamOnce(port, abort)));
            storming = false;
            await health;
            const byStatus = {};
            for (const r of results) {
                byStatus[r.status] = (byStatus[r.status] || 0) + 1;
            }
            const detail = `statuses ${JSON.stringify(byStatus)}`;
            const unexpected = results.filter((r) => r.status !== 200 && r.status !== 429);
            assert.deepEqual(unexpected.slice(0, 3), [], detail);
            const broken = results.filter((r) => r.status === 200 && !r.done);
            assert.equal(broken.length, 0, `${broken.length} accepted streams did not end with [DONE]; ${detail}`);
            assert.ok((byStatus[200] || 0) > 0 && (byStatus[429] || 0) > 0, `expected both outcomes; ${detail}`);
            for (const r of results.filter((x) => x.status === 429).slice(0, 3)) {
                assert.match(r.text, /queue is full/, r.text);
            }
            assert.ok(healthWorst < 5_000, `/health took ${healthWorst} ms during the storm`);
            let files = openFiles(pid);
            for (let i = 0; i < 50 && files > filesBefore + 4; i++) {
                await new Promise((r) => setTimeout(r, 100));
                files = openFiles(pid);
            }
            assert.ok(files <= filesBefore + 4, `open files ${filesBefore} before, ${files} after`);
            const grown = residentBytes(pid) - rssBefore;
            assert.ok(grown < 256 * 1024 * 1024, `resident memory grew by ${(grown / 1048576).toFixed(0)} MiB`);
            console.log(`${detail}; /health worst ${healthWorst} ms; fds ${filesBefore} -> ${files}; ` +
                `RSS +${(grown / 1048576).toFixed(1)} MiB`);
        });

    test('load/unload churn gives the memory back: 20 cycles leave resident memory where one did', async () => {
        const pid = server.proc.pid;
        const cycle = async () => {
            for (const action of ['load', 'unload']) {
                const res = await request(server.baseURL, `/v1/models/qwen/${action}`, { method: 'POST', timeoutMs: 60_000 });
                assert.equal(res.status, 200, res.text);
            }
        };
        await cycle();
        const after1 = residentBytes(pid);
        for (let i = 0; i < 20; i++) {
            await cycle();
        }
        const grown = residentBytes(pid) - after1;
        // Before the allocator was trimmed on unload, each cycle kept 20-30 MB: some 500 MB over 20.
        assert.ok(grown < 96 * 1024 * 1024, `resident memory grew by ${(grown / 1048576).toFixed(0)} MiB over 20 cycles`);
        console.log(`20 load/unload cycles: RSS ${(after1 / 1048576).toFixed(0)} MiB -> +${(grown / 1048576).toFixed(1)} MiB`);
    });
});
