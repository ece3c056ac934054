// POST /v1/models/pull against a fake Hugging Face hub (lib/fake_hub.mjs): the event stream (resolving,
// downloading, verifying, success or error), the non-stream answer and its error statuses (404 repo or tag,
// 502 hub refusal or hash mismatch, 507 disk, 400 bad reference or offline), a projector pulled with its model,
// a client that disconnects mid-stream (the pull stops, the next one resumes), two API pulls of one file at
// once, and end to end: pull through the API, then chat with the pulled model through the official openai SDK.
// The command-line form is in pull.test.mjs.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { assertSentOnce, fakeGguf, startFakeHub } from './lib/fake_hub.mjs';
import { assertErrorBody, assertErrorResponse, openaiClient, request, sleep } from './lib/http.mjs';
import { makeTempDir, mkmodel, removeTempDirs, startServer, stopAllServers } from './lib/server.mjs';

// The developer's own hub settings must not reach the servers under test.
for (const name of ['HF_TOKEN', 'HF_ENDPOINT', 'HEARTH_OFFLINE']) {
    delete process.env[name];
}

const COMMIT = 'c0ffee0000000000000000000000000000000002';
const PULL_TIMEOUT_MS = 30_000;

function sha256File(file) {
    return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function postPull(base, body) {
    return request(base, '/v1/models/pull', { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body), timeoutMs: PULL_TIMEOUT_MS });
}

// The JSON of each `data: ` event of an SSE body.
function parseEvents(text) {
    return text.split('\n\n').filter((block) => block.trim() !== '').map((block) => {
        const data = block.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6));
        assert.equal(data.length, 1, `an event without exactly one data line: ${JSON.stringify(block)}`);
        return JSON.parse(data[0]);
    });
}

// A streamed pull: the response's status and content type, and its events.
async function streamPull(base, body) {
    const res = await postPull(base, body);
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    return parseEvents(res.text);
}

// The order of a successful stream: resolving, then per file downloading (completed never going back) and
// verifying, and success last.
function assertStreamShape(events, fileSizes) {
    const detail = JSON.stringify(events);
    assert.equal(events[0].status, 'resolving', detail);
    assert.equal(events.at(-1).status, 'success', detail);
    assert.ok(events.every((e) => ['resolving', 'downloading', 'verifying', 'success'].includes(e.status)), detail);
    for (const [file, size] of Object.entries(fileSizes)) {
        const downloading = events.filter((e) => e.status === 'downloading' && e.file === file);
        assert.ok(downloading.length >= 1, `no downloading event for ${file}: ${detail}`);
        for (let i = 0; i < downloading.length; i += 1) {
            assert.equal(downloading[i].total, size, JSON.stringify(downloading[i]));
            assert.ok(downloading[i].completed <= size, JSON.stringify(downloading[i]));
            assert.ok(i === 0 || downloading[i].completed >= downloading[i - 1].completed, detail);
        }
        assert.equal(downloading.at(-1).completed, size, detail);
        const verifying = events.findIndex((e) => e.status === 'verifying' && e.file === file);
        assert.ok(verifying > events.indexOf(downloading.at(-1)), `verifying ${file} after its download: ${detail}`);
    }
}

describe('POST /v1/models/pull', () => {
    let hub;
    let dir;
    let server;
    let base;

    before(async () => {
        const work = await makeTempDir('pull-src');
        const read = (file) => fs.readFileSync(file);
        const q8 = await mkmodel('tiny-qwen3', path.join(work, 'q8.gguf'), { type: 'q8_0' });
        const f16 = await mkmodel('tiny-qwen3', path.join(work, 'f16.gguf'), { type: 'f16' });
        const vl = await mkmodel('tiny-qwen3', path.join(work, 'vl.gguf'), { type: 'q8_0', seed: 3 });
        const projF16 = await mkmodel('tiny-clip-mlp', path.join(work, 'proj-f16.gguf'),
            { type: 'f16', extra: ['--mmproj-for', vl] });
        const projQ8 = await mkmodel('tiny-clip-mlp', path.join(work, 'proj-q8.gguf'),
            { type: 'q8_0', extra: ['--mmproj-for', vl] });
        hub = await startFakeHub({ repos: {
            'org/tiny': { commit: COMMIT,
                files: { 'Tiny-Qwen3-Q8_0.gguf': read(q8), 'Tiny-Qwen3-F16.gguf': read(f16) } },
            // Two projectors: the F16 one is pulled with the model.
            'org/vl': { commit: COMMIT, files: { 'Tiny-VL-Q8_0.gguf': read(vl),
                'mmproj-Tiny-VL-Q8_0.gguf': read(projQ8), 'mmproj-Tiny-VL-F16.gguf': read(projF16) } },
            'org/gated': { commit: COMMIT, files: { 'Gated-Q8_0.gguf': fakeGguf(20_000, 1) }, gated: true,
                tokens: ['hf_good'] },
            'org/corrupt': { commit: COMMIT, files: { 'Corrupt-Q8_0.gguf': fakeGguf(300_000, 2) } },
            'org/huge': { commit: COMMIT, files: { 'Huge-Q8_0.gguf': fakeGguf(10_000, 3) } },
            'org/slow': { commit: COMMIT, files: { 'Slow-Q8_0.gguf': fakeGguf(600_000, 4) } },
            'org/cancel': { commit: COMMIT, files: { 'Cancel-Q8_0.gguf': fakeGguf(1_000_000, 5) } },
            'org/shared': { commit: COMMIT, files: { 'Shared-Q8_0.gguf': fakeGguf(800_000, 6) } },
        } });
        dir = await makeTempDir('pull-models');
        const home = await makeTempDir('pull-home');
        server = await startServer({ modelsDir: dir, env: { HF_ENDPOINT: hub.url, HEARTH_HOME: home },
            args: ['--threads', '1'] });
        base = server.baseURL;
    });
    after(async () => {
        await stopAllServers();
        await hub?.stop();
        await removeTempDirs();
    });

    test('stream (the default): resolving, downloading, verifying, success', async () => {
        const file = 'Tiny-Qwen3-Q8_0.gguf';
        const events = await streamPull(base, { model: 'org/tiny' });
        const done = events.at(-1);
        assert.equal(done.model, 'org/tiny:Q8_0', JSON.stringify(events));
        assert.deepEqual(done.files.map((f) => path.basename(f)), [file]);
        assert.equal(sha256File(path.join(dir, 'org/tiny', file)), hub.files[file].sha256);
        assertStreamShape(events, { [file]: hub.files[file].size });
    });

    test('end to end: pulled through the API, listed at once, chatted with through the openai SDK', async () => {
        // The same model as the stream test (pulled again if that one failed before its download; else at once).
        const res = await postPull(base, { model: 'org/tiny:Q8_0', stream: false });
        assert.equal(res.status, 200, res.text);
        // Served under its name, and under the same name with the tag in lowercase.
        const models = await request(base, '/v1/models');
        assert.ok(models.json.data.some((m) => m.id === 'org/tiny:Q8_0'), models.text);
        const client = openaiClient(base);
        for (const model of ['org/tiny:Q8_0', 'org/tiny:q8_0']) {
            const chat = await client.chat.completions.create({ model, max_tokens: 8, temperature: 0,
                messages: [{ role: 'user', content: 'Say hello.' }] });
            assert.equal(chat.choices.length, 1, model);
            assert.equal(typeof chat.choices[0].message.content, 'string', model);
            assert.ok(chat.usage.completion_tokens > 0, `${model}: ${JSON.stringify(chat.usage)}`);
        }
    });

    test('stream: false answers once, with the model and its files', async () => {
        const res = await postPull(base, { model: 'org/tiny:f16', stream: false });
        assert.equal(res.status, 200, res.text);
        assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
        assert.equal(res.json.status, 'success');
        assert.equal(res.json.model, 'org/tiny:F16');
        assert.deepEqual(res.json.files.map((f) => path.basename(f)), ['Tiny-Qwen3-F16.gguf']);
        const model = await request(base, `/v1/models/${res.json.model}`);
        assert.equal(model.status, 200, model.text);
    });

    test('a projector comes with its model (F16 of two) and is listed on it', async () => {
        const res = await postPull(base, { model: 'org/vl', stream: false });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.json.model, 'org/vl:Q8_0');
        assert.deepEqual(res.json.files.map((f) => path.basename(f)).sort(),
            ['Tiny-VL-Q8_0.gguf', 'mmproj-Tiny-VL-F16.gguf']);
        assert.ok(!fs.existsSync(path.join(dir, 'org/vl/mmproj-Tiny-VL-Q8_0.gguf')));
        const model = await request(base, '/v1/models/org/vl:Q8_0');
        assert.equal(model.status, 200, model.text);
        assert.equal(path.basename(model.json.mmproj ?? ''), 'mmproj-Tiny-VL-F16.gguf', model.text);
        const roles = JSON.parse(fs.readFileSync(path.join(dir, 'org/vl/hearth-pull.json'), 'utf8'))
            .models[0].files.map((f) => [f.path, f.role]).sort();
        assert.deepEqual(roles, [['Tiny-VL-Q8_0.gguf', 'model'], ['mmproj-Tiny-VL-F16.gguf', 'mmproj']]);
    });

    test('errors without streaming: 404, 502, 507 and 400, as OpenAI error envelopes', async () => {
        hub.behave('Corrupt-Q8_0.gguf', { corrupt: true });
        hub.behave('Huge-Q8_0.gguf', { advertiseSize: 1e15 });
        const cases = [
            ['org/missing', 404, 'model_not_found', /org\/missing/],
            ['org/tiny:Q3_K_S', 404, 'model_not_found', /Q3_K_S/],
            ['org/gated', 502, 'upstream_error', /authentication|HF_TOKEN|401/i],  // the server has no token
            ['org/corrupt', 502, 'upstream_error', /sha256/],
            ['org/huge', 507, undefined, /disk space/],
            ['not a reference', 400, undefined, /./],
            ['org/', 400, undefined, /./],
        ];
        for (const [ref, status, code, message] of cases) {
            const res = await postPull(base, { model: ref, stream: false });
            const err = assertErrorResponse(res, status, { code, what: ref });
            assert.match(err.message, message, ref);
        }

        // HEARTH_OFFLINE: 400, and the hub hears nothing.
        const offline = await startServer({ modelsDir: await makeTempDir('pull-offline'),
            env: { HF_ENDPOINT: hub.url, HEARTH_OFFLINE: '1' } });
        const since = hub.log.length;
        const err = assertErrorResponse(await postPull(offline.baseURL, { model: 'org/tiny', stream: false }), 400);
        assert.match(err.message, /offline/);
        assert.deepEqual(hub.log.slice(since), []);
        await offline.stop();

        // Nothing of the failed pulls is left or listed: a bad hash removes its bytes, and a file too large for
        // the disk is refused before anything is written.
        const listed = (await request(base, '/v1/models')).json.data.map((m) => m.id);
        assert.ok(!listed.some((id) => /corrupt|huge|gated/.test(id)), JSON.stringify(listed));
        for (const rel of ['org/corrupt/Corrupt-Q8_0.gguf', 'org/corrupt/Corrupt-Q8_0.gguf.part',
            'org/huge/Huge-Q8_0.gguf.part']) {
            assert.ok(!fs.existsSync(path.join(dir, rel)), `${rel} is left behind`);
        }
    });

    test('stream: a failure after the download began ends with an error event', async () => {
        hub.behave('Corrupt-Q8_0.gguf', { corrupt: true });
        const events = await streamPull(base, { model: 'org/corrupt', stream: true });
        const detail = JSON.stringify(events);
        assert.equal(events[0].status, 'resolving', detail);
        assert.ok(events.some((e) => e.status === 'downloading'), detail);
        const last = events.at(-1);
        assert.equal(last.status, 'error', detail);
        assertErrorBody({ error: last.error }, { code: 'upstream_error' });
        assert.match(last.error.message, /sha256 mismatch/);
    });

    test('a slow CDN (~200 KB/s): several progress events for the file', async () => {
        hub.behave('Slow-Q8_0.gguf', { bytesPerSecond: 200_000 });
        const events = await streamPull(base, { model: 'org/slow' });
        const downloading = events.filter((e) => e.status === 'downloading');
        assert.ok(downloading.length >= 3, `${downloading.length} progress events over 3 s`);
        assert.ok(downloading.some((e) => e.completed > 0 && e.completed < 600_000), JSON.stringify(downloading));
        assertStreamShape(events, { 'Slow-Q8_0.gguf': 600_000 });
    });

    test('a client that disconnects mid-stream cancels the pull; the next pull resumes from the .part', async () => {
        const file = 'Cancel-Q8_0.gguf';
        const part = path.join(dir, 'org/cancel', `${file}.part`);
        const since = hub.log.length;
        hub.behave(file, { bytesPerSecond: 200_000 });  // 5 s for the whole file: time to leave in the middle
        const abort = new AbortController();
        const res = await fetch(`${base}/v1/models/pull`, { method: 'POST', signal: abort.signal,
            headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'org/cancel' }) });
        assert.equal(res.status, 200);
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        let text = '';
        // Read until some bytes were reported, then leave.
        const progressed = () => parseEvents(text.slice(0, text.lastIndexOf('\n\n') + 2))
            .some((e) => e.status === 'downloading' && e.completed > 0);
        while (!progressed()) {
            const { value, done } = await reader.read();
            assert.ok(!done, `the stream ended before any progress: ${text}`);
            text += decoder.decode(value, { stream: true });
        }
        abort.abort();
        // The server stops its transfer: the CDN sees the connection go before the file's end.
        const cdnGets = () => hub.log.slice(since).filter((e) => e.host === 'cdn' && e.method === 'GET');
        for (let waited = 0; waited < 5_000 && cdnGets().some((e) => e.state === 'sending'); waited += 100) {
            await sleep(100);
        }
        const first = cdnGets();
        assert.equal(first.length, 1, JSON.stringify(first));
        assert.equal(first[0].state, 'aborted', JSON.stringify(first));
        assert.ok(fs.existsSync(part), 'the .part file is kept');
        assert.ok(!fs.existsSync(path.join(dir, 'org/cancel', file)));
        const kept = fs.statSync(part).size;
        assert.ok(kept > 0 && kept < 1_000_000, `.part of ${kept} bytes`);

        hub.behave(file, {});
        const again = await postPull(base, { model: 'org/cancel', stream: false });
        assert.equal(again.status, 200, again.text);
        const gets = cdnGets();
        assert.equal(gets.length, 2, JSON.stringify(gets));
        const m = /^bytes=(\d+)-$/.exec(gets[1].range ?? '');
        assert.ok(m && Number(m[1]) > 0, `resumed with ${gets[1].range}`);
        assert.equal(sha256File(path.join(dir, 'org/cancel', file)), hub.files[file].sha256);
        assert.ok(!fs.existsSync(part));
    });

    test('two API pulls of one file at once both succeed; the CDN sends its bytes once', async () => {
        const file = 'Shared-Q8_0.gguf';
        const since = hub.log.length;
        hub.behave(file, { bytesPerSecond: 800_000 });
        const [a, b] = await Promise.all([postPull(base, { model: 'org/shared', stream: false }),
            postPull(base, { model: 'org/shared', stream: false })]);
        for (const res of [a, b]) {
            assert.equal(res.status, 200, res.text);
            assert.equal(res.json.model, 'org/shared:Q8_0');
        }
        const gets = hub.log.slice(since).filter((e) => e.host === 'cdn' && e.method === 'GET');
        assertSentOnce(gets, hub.files[file].size);
        assert.equal(sha256File(path.join(dir, 'org/shared', file)), hub.files[file].sha256);
    });
});
