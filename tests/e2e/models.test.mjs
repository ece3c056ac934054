// The model catalogue through the official OpenAI SDK: GET /v1/models, GET /v1/models/{id}, and /health.
//
// A throw-away models directory holds copies of the real stories260K models, one generated model per
// hearth-mkmodel preset, two files sharing a stem (ids with a '/'), files that must be reported as not
// servable, and files that must be ignored altogether.

import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { NotFoundError } from 'openai';

import { expectedGgufFacts, ggufWithoutTensors, readWhisperHeader, T } from './lib/gguf.mjs';
import { assertErrorBody, assertErrorResponse, openaiClient, request } from './lib/http.mjs';
import {
    copyFileIn, HEARTH_MODELS, makeTempDir, mkmodel, removeTempDirs, sharedModel, startServer, stopAllServers,
    writeFileIn,
} from './lib/server.mjs';

const STORIES = {
    'stories260K-f32': { quantization: 'F32', has_chat_template: false },
    'stories260K-f16': { quantization: 'F16', has_chat_template: false },
    'stories260K-q8_0': { quantization: 'Q8_0', has_chat_template: false },
    'stories260K-q8_0-chatml': { quantization: 'Q8_0', has_chat_template: true },
};

// Generated with --type f16: F16 weights dominate, whatever small tensors stay F32.
const PRESETS = {
    'tiny-llama': { kind: 'llm', architecture: 'llama', format: 'gguf', ext: 'gguf' },
    'tiny-qwen2': { kind: 'llm', architecture: 'qwen2', format: 'gguf', ext: 'gguf' },
    'tiny-qwen3': { kind: 'llm', architecture: 'qwen3', format: 'gguf', ext: 'gguf' },
    'tiny-bert': { kind: 'embedding', format: 'gguf', ext: 'gguf' },
    'tiny-rerank': { kind: 'rerank', format: 'gguf', ext: 'gguf' },
    'tiny-whisper': { kind: 'whisper', architecture: 'whisper', format: 'ggml', ext: 'bin' },
};

// A fixed modification time, to check `created`.
const FIXED_MTIME = 1_600_000_000;

describe('models catalogue', () => {
    let dir;
    let server;
    let client;
    const expected = new Map(); // id -> the fields hearth must report
    const unservable = new Map(); // path -> reason pattern
    let ignored = []; // paths that must appear nowhere

    before(async () => {
        dir = await makeTempDir('models');
        const stories = (name) => sharedModel(`stories260K/${name}.gguf`);
        for (const [id, facts] of Object.entries(STORIES)) {
            const file = await copyFileIn(dir, `stories/${id}.gguf`, stories(id));
            expected.set(id, { file, kind: 'llm', architecture: 'llama', format: 'gguf', context_length: 512,
                               embedding_length: 64, ...facts });
        }
        await fsp.utimes(expected.get('stories260K-f32').file, FIXED_MTIME, FIXED_MTIME);

        await fsp.mkdir(path.join(dir, 'generated'));
        for (const [preset, facts] of Object.entries(PRESETS)) {
            const file = await mkmodel(preset, path.join(dir, 'generated', `${preset}.${facts.ext}`));
            let fromFile;
            if (facts.format === 'gguf') {
                fromFile = await expectedGgufFacts(file);
            } else {
                const h = await readWhisperHeader(file);
                fromFile = { architecture: 'whisper', context_length: h.n_text_ctx,
                             embedding_length: h.n_audio_state, has_chat_template: false };
            }
            if (facts.architecture) {
                assert.equal(fromFile.architecture, facts.architecture, `hearth-mkmodel wrote ${file}`);
            }
            expected.set(preset, { file, kind: facts.kind, format: facts.format, quantization: 'F16', ...fromFile });
        }

        // A stem collision: the later path (b/) gets the id "b/dup".
        const q8 = stories('stories260K-q8_0');
        const dupA = await copyFileIn(dir, 'a/dup.gguf', q8);
        const dupB = await copyFileIn(dir, 'b/dup.gguf', q8);
        const q8facts = { kind: 'llm', architecture: 'llama', format: 'gguf', context_length: 512,
                          embedding_length: 64, quantization: 'Q8_0', has_chat_template: false };
        expected.set('dup', { file: dupA, ...q8facts });
        expected.set('b/dup', { file: dupB, ...q8facts });
        // A directory whose name looks like a model is walked, not probed.
        expected.set('inner', { file: await copyFileIn(dir, 'folder.gguf/inner.gguf', q8), ...q8facts });

        const f16 = stories('stories260K-f16');
        const bad = async (rel, reason, write) => unservable.set(await write(rel), reason);
        await bad('broken/truncated.gguf', /truncated/, (rel) => copyFileIn(dir, rel, f16, { bytes: 300_000 }));
        await bad('broken/header-cut.gguf', /corrupt GGUF/, (rel) => copyFileIn(dir, rel, f16, { bytes: 64 }));
        await bad('broken/bad-version.gguf', /corrupt GGUF/,
                  (rel) => writeFileIn(dir, rel, ggufWithoutTensors([['general.architecture', T.STRING, 'llama']],
                                                                    { version: 999 })));
        await bad('broken/junk.gguf', /not a model: unrecognized format/,
                  (rel) => writeFileIn(dir, rel, 'this is not a model, just some text\n'.repeat(20)));
        await bad('broken/tiny.bin', /not a model/, (rel) => writeFileIn(dir, rel, 'ab'));
        await bad('broken/for-tests-ggml-tiny.bin', /weightless whisper header/,
                  (rel) => copyFileIn(dir, rel, sharedModel('whisper-vocab/for-tests-ggml-tiny.bin')));
        await bad('broken/silero-v6.2.0-ggml.bin', /voice-activity-detection model/,
                  (rel) => copyFileIn(dir, rel, sharedModel('silero-vad/silero-v6.2.0-ggml.bin')));
        await bad('broken/whisper-half.bin', /truncated/, async (rel) => {
            const source = expected.get('tiny-whisper').file;
            const { size } = await fsp.stat(source);
            return copyFileIn(dir, rel, source, { bytes: Math.floor(size / 2) });
        });
        await bad('broken/vocab-only.gguf', /GGUF with no tensors/, (rel) => writeFileIn(dir, rel, ggufWithoutTensors([
            ['general.architecture', T.STRING, 'llama'],
            ['tokenizer.ggml.model', T.STRING, 'llama'],
            ['tokenizer.ggml.tokens', T.ARRAY, { type: T.STRING, items: ['<unk>', '<s>', '</s>', 'a', 'b'] }],
        ])));
        await bad('broken/mmproj-tiny.gguf', /multimodal projector/, (rel) => writeFileIn(dir, rel, ggufWithoutTensors([
            ['general.architecture', T.STRING, 'clip'],
            ['clip.has_vision_encoder', T.BOOL, true],
        ])));
        await bad('broken/nameless.gguf', /general\.architecture/, (rel) => writeFileIn(dir, rel, ggufWithoutTensors([
            ['general.name', T.STRING, 'no architecture here'],
        ])));
        await bad('broken/llama2c.bin', /not a model/,
                  (rel) => copyFileIn(dir, rel, sharedModel('stories260K/llama2c/stories260K.bin')));

        ignored = [
            await writeFileIn(dir, 'notes.txt', 'not a candidate: wrong extension\n'),
            await copyFileIn(dir, 'partial.gguf.part', q8),
            await copyFileIn(dir, '.hidden.gguf', q8),
            await copyFileIn(dir, '.cache/cached.gguf', q8),
            await writeFileIn(dir, '.cache/junk.gguf', 'hidden junk'),
        ];

        server = await startServer({ modelsDir: dir });
        client = openaiClient(server.baseURL);
    });

    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    test('models.list() lists exactly the servable models', async () => {
        const page = await client.models.list();
        assert.equal(page.body.object, 'list');
        const ids = page.data.map((m) => m.id);
        assert.equal(new Set(ids).size, ids.length, `duplicate ids in ${ids}`);
        assert.deepEqual([...ids].sort(), [...expected.keys()].sort());
        for (const m of page.data) {
            assert.equal(m.object, 'model', m.id);
            assert.equal(m.owned_by, 'hearth', m.id);
            assert.equal(m.state, 'unloaded', m.id);
            assert.ok(Number.isInteger(m.created) && m.created > 0, `${m.id}: created ${m.created}`);
        }
    });

    test('each model reports its kind, architecture, format and quantization', async () => {
        const { data } = await client.models.list();
        for (const m of data) {
            const want = expected.get(m.id);
            assert.ok(want, `unexpected model ${m.id}`);
            const got = { kind: m.kind, architecture: m.architecture, format: m.format, quantization: m.quantization };
            assert.deepEqual(got, { kind: want.kind, architecture: want.architecture, format: want.format,
                                    quantization: want.quantization }, m.id);
        }
        // The presets' kinds, spelled out: a catalogue that got them all wrong the same way must fail here too.
        const kinds = Object.fromEntries(data.map((m) => [m.id, m.kind]));
        assert.equal(kinds['tiny-bert'], 'embedding');
        assert.equal(kinds['tiny-rerank'], 'rerank');
        assert.equal(kinds['tiny-whisper'], 'whisper');
        assert.equal(kinds['tiny-qwen3'], 'llm');
    });

    test('each model reports its path, size, lengths and chat template from the file', async () => {
        const { data } = await client.models.list();
        for (const m of data) {
            const want = expected.get(m.id);
            const stat = await fsp.stat(want.file);
            assert.equal(m.path, want.file, m.id);
            assert.equal(m.size_bytes, stat.size, `${m.id}: size_bytes`);
            assert.equal(m.context_length, want.context_length, `${m.id}: context_length`);
            assert.equal(m.embedding_length, want.embedding_length, `${m.id}: embedding_length`);
            assert.equal(m.has_chat_template, want.has_chat_template, `${m.id}: has_chat_template`);
        }
    });

    test('created is the file modification time', async () => {
        const { data } = await client.models.list();
        const f32 = data.find((m) => m.id === 'stories260K-f32');
        assert.equal(f32.created, FIXED_MTIME);
        const f16 = data.find((m) => m.id === 'stories260K-f16');
        const { mtimeMs } = await fsp.stat(expected.get('stories260K-f16').file);
        assert.equal(f16.created, Math.floor(mtimeMs / 1000));
    });

    test('models.retrieve(id) returns the same object as the list for every model', async () => {
        const { data } = await client.models.list();
        for (const listed of data) {
            const one = await client.models.retrieve(listed.id);
            assert.deepEqual({ ...one }, { ...listed }, listed.id);
        }
    });

    test('an id containing "/" is retrieved percent-encoded and as a raw path', async () => {
        const bFile = expected.get('b/dup').file;
        const viaSdk = await client.models.retrieve('b/dup'); // the SDK sends /v1/models/b%2Fdup
        assert.equal(viaSdk.id, 'b/dup');
        assert.equal(viaSdk.path, bFile);
        for (const p of ['/v1/models/b%2Fdup', '/v1/models/b%2fdup', '/v1/models/b/dup']) {
            const res = await request(server.baseURL, p);
            assert.equal(res.status, 200, `${p}: ${res.text}`);
            assert.equal(res.json.id, 'b/dup', p);
            assert.equal(res.json.path, bFile, p);
        }
        const plain = await client.models.retrieve('dup');
        assert.equal(plain.path, expected.get('dup').file, 'the first path in sort order keeps the bare stem');
    });

    test('percent-encoded characters in an id are decoded', async () => {
        const res = await request(server.baseURL, '/v1/models/stories260K%2Dq8_0%2dchatml');
        assert.equal(res.status, 200, res.text);
        assert.equal(res.json.id, 'stories260K-q8_0-chatml');
        const query = await request(server.baseURL, '/v1/models/tiny-bert?unused=1');
        assert.equal(query.status, 200, query.text);
        assert.equal(query.json.id, 'tiny-bert');
    });

    test('retrieving an unknown model throws NotFoundError (404, model_not_found)', async () => {
        await assert.rejects(client.models.retrieve('no-such-model'), (err) => {
            assert.ok(err instanceof NotFoundError, `${err?.constructor?.name}: ${err.message}`);
            assert.equal(err.status, 404);
            assert.equal(err.code, 'model_not_found');
            assert.equal(err.type, 'not_found_error');
            assertErrorBody({ error: err.error }, { code: 'model_not_found', type: 'not_found_error' });
            assert.match(err.error.message, /no-such-model/);
            return true;
        });
        const res = await request(server.baseURL, '/v1/models/no-such-model');
        assertErrorResponse(res, 404, { code: 'model_not_found', type: 'not_found_error' });
    });

    test('files that are not served cannot be retrieved by their stem', async () => {
        for (const id of ['truncated', 'junk', 'tiny', 'vocab-only', 'mmproj-tiny', 'silero-v6.2.0-ggml', 'notes',
            'partial.gguf', '.hidden', 'cached', 'a/dup', 'b', 'folder', 'broken/junk']) {
            await assert.rejects(client.models.retrieve(id), (err) => {
                assert.ok(err instanceof NotFoundError, `${id}: ${err?.constructor?.name}: ${err.message}`);
                assert.equal(err.code, 'model_not_found', id);
                return true;
            });
        }
    });

    test('unservable lists every bad file with the reason', async () => {
        const res = await request(server.baseURL, '/v1/models');
        assert.equal(res.status, 200);
        const list = res.json.unservable;
        assert.ok(Array.isArray(list), `unservable: ${JSON.stringify(list)}`);
        for (const entry of list) {
            assert.deepEqual(Object.keys(entry).sort(), ['path', 'reason'], JSON.stringify(entry));
            assert.equal(typeof entry.reason, 'string');
        }
        assert.deepEqual(list.map((e) => e.path).sort(), [...unservable.keys()].sort());
        for (const entry of list) {
            assert.match(entry.reason, unservable.get(entry.path), entry.path);
        }
    });

    test('hidden files, hidden folders and other extensions are ignored entirely', async () => {
        const res = await request(server.baseURL, '/v1/models');
        const mentioned = JSON.stringify(res.json);
        for (const file of ignored) {
            assert.ok(!mentioned.includes(file), `${file} appears in /v1/models`);
        }
        assert.ok(!mentioned.includes('notes'), 'notes.txt appears in /v1/models');
        assert.ok(!mentioned.includes('.cache'), 'the hidden folder appears in /v1/models');
    });

    test('/health lists every model as unloaded and none ready', async () => {
        const res = await request(server.baseURL, '/health');
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type'), /^application\/json/);
        assert.equal(res.json.status, 'ok');
        assert.equal(res.json.version, '0.1.0');
        assert.deepEqual(res.json.ready, []);
        const want = Object.fromEntries([...expected.keys()].sort().map((id) => [id, 'unloaded']));
        assert.deepEqual(res.json.models, want);
        const v1 = await request(server.baseURL, '/v1/health');
        assert.equal(v1.status, 200);
        assert.deepEqual(v1.json, res.json);
    });
});

describe('ids stay unique when several files share a stem', () => {
    let server;
    let files;

    before(async () => {
        const dir = await makeTempDir('collide');
        const q8 = sharedModel('stories260K/stories260K-q8_0.gguf');
        // Same stem at the top and three times in one folder (extensions .bin, .ggml, .gguf are all candidates).
        files = [
            await copyFileIn(dir, 'dup.gguf', q8),
            await copyFileIn(dir, 'a/dup.bin', q8),
            await copyFileIn(dir, 'a/dup.ggml', q8),
            await copyFileIn(dir, 'a/dup.gguf', q8),
        ];
        server = await startServer({ modelsDir: dir });
    });

    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    test('every file gets its own id, and each id retrieves its own file', async () => {
        const client = openaiClient(server.baseURL);
        const { data } = await client.models.list();
        assert.deepEqual(data.map((m) => m.path).sort(), [...files].sort(), 'all four files are served');
        const ids = data.map((m) => m.id);
        assert.equal(new Set(ids).size, ids.length, `duplicate ids: ${JSON.stringify(ids)}`);
        for (const m of data) {
            const one = await client.models.retrieve(m.id);
            assert.equal(one.path, m.path, `id ${m.id}`);
        }
        const health = await request(server.baseURL, '/health');
        assert.equal(Object.keys(health.json.models).length, data.length, JSON.stringify(health.json.models));
    });
});

describe('the shared real models directory', () => {
    let server;

    before(async () => {
        sharedModel('stories260K/stories260K-f32.gguf');
        server = await startServer({ modelsDir: HEARTH_MODELS });
    });

    after(async () => {
        await stopAllServers();
    });

    test('serves the stories260K models and explains the other files', async () => {
        const res = await request(server.baseURL, '/v1/models');
        assert.equal(res.status, 200);
        const byId = new Map(res.json.data.map((m) => [m.id, m]));
        for (const [id, facts] of Object.entries(STORIES)) {
            const m = byId.get(id);
            assert.ok(m, `${id} missing from ${[...byId.keys()]}`);
            assert.equal(m.kind, 'llm');
            assert.equal(m.architecture, 'llama');
            assert.equal(m.quantization, facts.quantization);
            assert.equal(m.has_chat_template, facts.has_chat_template);
            assert.equal(m.context_length, 512);
            assert.equal(m.embedding_length, 64);
        }
        const reasons = new Map(res.json.unservable.map((e) => [path.relative(HEARTH_MODELS, e.path), e.reason]));
        assert.match(reasons.get('silero-vad/silero-v6.2.0-ggml.bin') ?? '', /voice-activity-detection model/);
        assert.match(reasons.get('whisper-vocab/for-tests-ggml-tiny.bin') ?? '', /weightless whisper header/);
        assert.match(reasons.get('stories260K/llama2c/stories260K.bin') ?? '', /not a model/);
        assert.match(reasons.get('stories260K/llama2c/tok512.bin') ?? '', /not a model/);
    });
});
