// Embeddings and reranking end to end on generated BERT models with the real bge vocabulary (hearth-mkmodel
// tiny-bert, tiny-rerank): the official OpenAI SDK's embeddings.create unchanged (base64 by default), every
// input shape, dimensions, the cache, batch invariance under 32 concurrent requests, rerank in the shapes
// Jina, Cohere and llama-server clients read, and every client mistake as a 400 with the server alive after.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BadRequestError, NotFoundError } from 'openai';

import { assertAlive, assertErrorResponse, openaiClient, request } from './lib/http.mjs';
import { copyFileIn, makeTempDir, mkmodel, removeTempDirs, runHearth, sharedModel, startServer,
    stopAllServers } from './lib/server.mjs';

const DIM = 64;
const CTX = 512;

function norm(v) {
    return Math.sqrt(v.reduce((s, x) => s + x * x, 0));
}

function cosine(a, b) {
    let dot = 0;
    for (let i = 0; i < a.length; i++) {
        dot += a[i] * b[i];
    }
    return dot / (norm(a) * norm(b));
}

function post(base, route, body) {
    return request(base, route, { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body) });
}

// Distinct texts of growing length (1 to ~80 words).
function texts(n) {
    return Array.from({ length: n }, (_, i) => `text number ${i}: ` + 'lorem ipsum dolor '.repeat(i % 27));
}

describe('embeddings and rerank', () => {
    let base;
    let client;
    let uncached;

    before(async () => {
        const dir = await makeTempDir('embed');
        await mkmodel('tiny-bert', path.join(dir, 'bert.gguf'));
        await mkmodel('tiny-rerank', path.join(dir, 'rerank.gguf'));
        await copyFileIn(dir, 'stories.gguf', sharedModel('stories260K/stories260K-f32.gguf'));
        // One compute thread: llama.cpp's workers spin while they wait, and the machine is shared.
        const common = ['--threads', '1', '--max-embedding-inputs', '64', '--embedding-batch-window', '5'];
        const server = await startServer({ modelsDir: dir, args: common });
        base = server.baseURL;
        client = openaiClient(base);
        uncached = (await startServer({ modelsDir: dir, args: [...common, '--embedding-cache', '0'] })).baseURL;
    });
    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    test('the SDK gets unit vectors through its default base64 encoding', async () => {
        const res = await client.embeddings.create({ model: 'bert', input: 'The quick brown fox' });
        assert.equal(res.object, 'list');
        assert.equal(res.model, 'bert');
        assert.equal(res.data.length, 1);
        assert.equal(res.data[0].object, 'embedding');
        assert.equal(res.data[0].index, 0);
        const v = res.data[0].embedding;
        assert.equal(v.length, DIM);
        assert.ok(v.every(Number.isFinite));
        assert.ok(Math.abs(norm(v) - 1) < 1e-5, `norm ${norm(v)}`);
        assert.equal(res.usage.prompt_tokens, 6);  // [CLS] the quick brown fox [SEP]
        assert.equal(res.usage.total_tokens, 6);
        const floats = await client.embeddings.create({ model: 'bert', input: 'The quick brown fox',
            encoding_format: 'float' });
        assert.deepEqual(floats.data[0].embedding.map((x) => Math.fround(x)), v.map((x) => Math.fround(x)));
        const raw = await post(base, '/v1/embeddings', { model: 'bert', input: 'x', encoding_format: 'base64' });
        assert.equal(typeof raw.json.data[0].embedding, 'string');
        assert.equal(Buffer.from(raw.json.data[0].embedding, 'base64').length, DIM * 4);
    });

    test('every input shape: strings, token ids, token-id arrays', async () => {
        const many = await client.embeddings.create({ model: 'bert', input: ['hello', 'world', 'hello'] });
        assert.deepEqual(many.data.map((d) => d.index), [0, 1, 2]);
        assert.deepEqual(many.data[0].embedding, many.data[2].embedding);
        assert.ok(cosine(many.data[0].embedding, many.data[1].embedding) < 0.99999);
        assert.equal(many.usage.prompt_tokens, 9);
        const ids = await client.embeddings.create({ model: 'bert', input: [101, 7592, 102] });
        assert.ok(cosine(ids.data[0].embedding, many.data[0].embedding) > 0.99999, 'ids of "hello" = "hello"');
        const idArrays = await client.embeddings.create({ model: 'bert', input: [[101, 7592, 102], [101, 2088, 102]] });
        assert.equal(idArrays.data.length, 2);
        assert.ok(cosine(idArrays.data[1].embedding, many.data[1].embedding) > 0.99999);
    });

    test('dimensions keeps the first values and re-normalizes', async () => {
        const full = await client.embeddings.create({ model: 'bert', input: 'dimensions', encoding_format: 'float' });
        const cut = await client.embeddings.create({ model: 'bert', input: 'dimensions', dimensions: 16 });
        const v = cut.data[0].embedding;
        assert.equal(v.length, 16);
        assert.ok(Math.abs(norm(v) - 1) < 1e-5);
        const head = full.data[0].embedding.slice(0, 16);
        assert.ok(cosine(v, head) > 0.99999);
        const same = await client.embeddings.create({ model: 'bert', input: 'dimensions', dimensions: DIM });
        assert.equal(same.data[0].embedding.length, DIM);
        await assert.rejects(client.embeddings.create({ model: 'bert', input: 'x', dimensions: DIM + 1 }),
            (err) => err instanceof BadRequestError && /dimensions/.test(err.message));
    });

    test('repeated inputs come from the cache, unchanged', async () => {
        const before_ = (await request(base, '/v1/models/bert')).json.embedding.cache;
        const first = await client.embeddings.create({ model: 'bert', input: 'cache me if you can' });
        const second = await client.embeddings.create({ model: 'bert', input: 'cache me if you can' });
        assert.deepEqual(second.data[0].embedding, first.data[0].embedding);
        const stats = (await request(base, '/v1/models/bert')).json.embedding;
        assert.equal(stats.cache.hits, before_.hits + 1);
        assert.equal(stats.cache.misses, before_.misses + 1);
        assert.ok(stats.cache.entries >= 1 && stats.cache.capacity > 0, JSON.stringify(stats));
        const off = (await request(uncached, '/v1/models/bert')).json;
        assert.ok(off.embedding === undefined || off.embedding.cache.capacity === 0);
    });

    test('32 concurrent requests get the vectors each gets alone', async () => {
        const inputs = texts(32);
        const c = openaiClient(uncached);
        const alone = [];
        for (const input of inputs) {
            alone.push((await c.embeddings.create({ model: 'bert', input })).data[0].embedding);
        }
        const batchesBefore = (await request(uncached, '/v1/models/bert')).json.embedding.batches;
        const together = await Promise.all(inputs.map((input) => c.embeddings.create({ model: 'bert', input })));
        let worst = 1;
        together.forEach((res, i) => {
            worst = Math.min(worst, cosine(res.data[0].embedding, alone[i]));
        });
        assert.ok(worst >= 0.9999, `lowest cosine ${worst}`);
        const stats = (await request(uncached, '/v1/models/bert')).json.embedding;
        assert.ok(stats.batches - batchesBefore < 32, `32 requests took ${stats.batches - batchesBefore} passes`);
        console.log(`batch invariance: lowest cosine ${worst}; 32 requests in ${stats.batches - batchesBefore} passes`);
    });

    test('inputs beyond the context are refused with the counts, or truncated on request', async () => {
        const long = 'word '.repeat(600);
        const res = await post(base, '/v1/embeddings', { model: 'bert', input: ['short', long] });
        const err = assertErrorResponse(res, 400, { code: 'context_length_exceeded' });
        assert.match(err.message, /602 tokens/);
        assert.match(err.message, new RegExp(`${CTX} tokens`));
        assert.equal(err.param, 'input');
        const cut = await client.embeddings.create({ model: 'bert', input: long, truncate: true });
        assert.equal(cut.usage.prompt_tokens, CTX);
        assert.equal(cut.data[0].embedding.length, DIM);
    });

    test('client mistakes are 400s and the server stays up', async () => {
        const cases = [
            [{ model: 'bert', input: '' }, 'input'],
            [{ model: 'bert', input: [] }, 'input'],
            [{ model: 'bert', input: ['a', ''] }, 'input[1]'],
            [{ model: 'bert', input: [[1], []] }, 'input[1]'],
            [{ model: 'bert', input: Array.from({ length: 65 }, () => 'x') }, 'input'],
            [{ model: 'bert', input: [101, 999999, 102] }, 'input'],
            [{ model: 'bert', input: [-1] }, 'input[0]'],
            [{ model: 'bert', input: 'x', encoding_format: 'hex' }, 'encoding_format'],
            [{ model: 'bert', input: 'x', dimensions: 0 }, 'dimensions'],
            [{ model: 'bert' }, 'input'],
            [{ input: 'x' }, 'model'],
            [{ model: 'rerank', input: 'x' }, 'model'],
            [{ model: 'stories', input: 'x' }, 'model'],
        ];
        for (const [body, param] of cases) {
            const res = await post(base, '/v1/embeddings', body);
            const err = assertErrorResponse(res, 400, { type: 'invalid_request_error' });
            assert.equal(err.param, param, `${JSON.stringify(body).slice(0, 80)}: ${err.message}`);
        }
        await assert.rejects(client.embeddings.create({ model: 'nope', input: 'x' }), NotFoundError);
        await assertAlive(base, 'the embedding errors');
    });

    test('rerank: sorted scores with original indexes, top_n, documents, every alias', async () => {
        const documents = ['hi', 'The giant panda is a bear native to China.', { text: 'Paris is in France.' }];
        const body = { model: 'rerank', query: 'What is a panda?', documents };
        const res = await post(base, '/v1/rerank', body);
        assert.equal(res.status, 200, res.text);
        const { results } = res.json;
        assert.equal(res.json.model, 'rerank');
        assert.equal(results.length, 3);
        assert.deepEqual(results.map((r) => r.index).sort(), [0, 1, 2]);
        for (let i = 1; i < results.length; i++) {
            assert.ok(results[i - 1].relevance_score >= results[i].relevance_score);
        }
        assert.ok(results.every((r) => Number.isFinite(r.relevance_score) && r.document === undefined));
        assert.ok(res.json.usage.prompt_tokens > 0 && res.json.usage.total_tokens === res.json.usage.prompt_tokens);
        for (const route of ['/rerank', '/v1/reranking']) {
            const alias = await post(base, route, body);
            assert.equal(alias.status, 200, `${route}: ${alias.text}`);
            assert.deepEqual(alias.json.results, results);
        }
        const top = await post(base, '/v1/rerank', { ...body, top_n: 1, return_documents: true });
        assert.equal(top.json.results.length, 1);
        assert.equal(top.json.results[0].index, results[0].index);
        const doc = documents[results[0].index];
        assert.equal(top.json.results[0].document.text, typeof doc === 'string' ? doc : doc.text);
    });

    test('rerank mistakes are 400s', async () => {
        const cases = [
            [{ model: 'rerank', query: 'q', documents: [] }, 'documents'],
            [{ model: 'rerank', query: 'q' }, 'documents'],
            [{ model: 'rerank', query: 'q', documents: ['a', ''] }, 'documents[1]'],
            [{ model: 'rerank', documents: ['a'] }, 'query'],
            [{ model: 'rerank', query: 'q', documents: ['a'], top_n: 0 }, 'top_n'],
            [{ model: 'rerank', query: 'q', documents: Array.from({ length: 65 }, () => 'd') }, 'documents'],
            [{ model: 'rerank', query: 'q', documents: ['word '.repeat(600)] }, 'documents'],
            [{ model: 'bert', query: 'q', documents: ['a'] }, 'model'],
        ];
        for (const [body, param] of cases) {
            const err = assertErrorResponse(await post(base, '/v1/rerank', body), 400);
            assert.equal(err.param, param, `${JSON.stringify(body).slice(0, 80)}: ${err.message}`);
        }
        const cut = await post(base, '/v1/rerank', { model: 'rerank', query: 'q', documents: ['word '.repeat(600)],
            truncate: true });
        assert.equal(cut.status, 200, cut.text);
        assert.equal(cut.json.usage.prompt_tokens, CTX);
        await assertAlive(base, 'the rerank errors');
    });

    test('hearth bench serve --endpoint embeddings runs against the endpoint', async () => {
        const r = await runHearth(['bench', 'serve', '--url', uncached, '-m', 'bert', '--endpoint', 'embeddings',
            '-c', '1,4', '-n', '8', '--input-tokens', '32', '--json', '--no-db'], { timeoutMs: 60_000 });
        assert.equal(r.code, 0, r.output);
        const out = JSON.parse(r.stdout);
        for (const level of out.levels) {
            assert.equal(level.ok, 8, JSON.stringify(level.error_samples));
            assert.ok(level.mean_input_tokens >= 16, `input tokens ${level.mean_input_tokens}`);
        }
    });
});
