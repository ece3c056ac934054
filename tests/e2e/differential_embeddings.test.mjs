// Differential test: hearth's embeddings and rerank scores against llama.cpp's own llama-server (built from the
// same pinned tree, over the same ggml) on generated BERT models with the real bge vocabulary: a CLS-pooled
// embedder, a mean-pooled one, and a rank-pooling cross-encoder, with inputs from one word to ~400 tokens.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { request } from './lib/http.mjs';
import { makeTempDir, mkmodel, removeTempDirs, runProcess, startLlamaServer, startServer, stopAllServers,
    HEARTH_MKMODEL } from './lib/server.mjs';

const MIN_COSINE = 0.9999;
// One pass per request on llama-server's side: a batch as large as a whole input, one slot, one thread.
const LLAMA_ARGS = ['--ctx-size', '2048', '--batch-size', '2048', '--ubatch-size', '2048', '--parallel', '1',
    '--threads', '1'];

const INPUTS = [
    'hello',
    'The quick brown fox jumps over the lazy dog.',
    'Grüße aus Köln! naïve café, 東京, emoji 🙂',
    'Retrieval augmented generation sends many small embedding requests at once. '.repeat(6),
    'a long passage of text '.repeat(80),
];

function post(base, route, body) {
    return request(base, route, { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body) });
}

function cosine(a, b) {
    let dot = 0, na = 0, nb = 0;
    for (let i = 0; i < a.length; i++) {
        dot += a[i] * b[i];
        na += a[i] * a[i];
        nb += b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
}

async function embeddings(base, model, input) {
    const res = await post(base, '/v1/embeddings', { model, input, encoding_format: 'float' });
    assert.equal(res.status, 200, res.text);
    return res.json;
}

describe('embeddings and rerank agree with llama-server', () => {
    let hearth;
    let dir;

    before(async () => {
        dir = await makeTempDir('diff-embed');
        await mkmodel('tiny-bert', path.join(dir, 'bert.gguf'), { seed: 7 });
        await mkmodel('tiny-rerank', path.join(dir, 'rerank.gguf'), { seed: 7 });
        const mean = await runProcess(HEARTH_MKMODEL, ['--arch', 'bert', '--pooling', 'mean', '--layers', '2',
            '--embd', '96', '--ff', '192', '--heads', '3', '--type', 'f16', '--seed', '7', '-o',
            path.join(dir, 'bert-mean.gguf')], { timeoutMs: 120_000 });
        assert.equal(mean.code, 0, mean.output);
        const last = await runProcess(HEARTH_MKMODEL, ['--preset', 'tiny-qwen3', '--pooling', 'last', '--type', 'f16',
            '--seed', '7', '-o', path.join(dir, 'qwen-embed.gguf')], { timeoutMs: 120_000 });
        assert.equal(last.code, 0, last.output);
        hearth = (await startServer({ modelsDir: dir, args: ['--threads', '1', '--embedding-cache', '0'] })).baseURL;
    });
    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    for (const model of ['bert', 'bert-mean', 'qwen-embed']) {
        test(`${model}: the same vectors, one by one and all in one request`, async () => {
            const llama = await startLlamaServer({ model: path.join(dir, `${model}.gguf`),
                args: [...LLAMA_ARGS, '--embeddings'] });
            try {
                let worst = 1;
                for (const input of INPUTS) {
                    const theirs = await embeddings(llama.baseURL, model, input);
                    const ours = await embeddings(hearth, model, input);
                    assert.equal(ours.usage.prompt_tokens, theirs.usage.prompt_tokens, `tokens of ${input.slice(0, 30)}`);
                    const c = cosine(ours.data[0].embedding, theirs.data[0].embedding);
                    assert.ok(c >= MIN_COSINE, `cosine ${c} for ${input.slice(0, 30)}`);
                    worst = Math.min(worst, c);
                }
                const all = await embeddings(hearth, model, INPUTS);
                for (let i = 0; i < INPUTS.length; i++) {
                    const theirs = await embeddings(llama.baseURL, model, INPUTS[i]);
                    const c = cosine(all.data[i].embedding, theirs.data[0].embedding);
                    assert.ok(c >= MIN_COSINE, `batched cosine ${c} for input ${i}`);
                    worst = Math.min(worst, c);
                }
                console.log(`${model}: lowest cosine vs llama-server ${worst}`);
            } finally {
                await llama.stop();
            }
        });
    }

    test('rerank scores equal llama.cpp rank pooling', async () => {
        const llama = await startLlamaServer({ model: path.join(dir, 'rerank.gguf'), args: [...LLAMA_ARGS, '--rerank'] });
        try {
            const body = { model: 'rerank', query: 'What is a panda?', documents: INPUTS.slice(0, 4) };
            const theirs = await post(llama.baseURL, '/v1/rerank', body);
            assert.equal(theirs.status, 200, theirs.text);
            const ours = await post(hearth, '/v1/rerank', body);
            assert.equal(ours.status, 200, ours.text);
            assert.equal(ours.json.usage.prompt_tokens, theirs.json.usage.prompt_tokens);
            const score = (json, index) => json.results.find((r) => r.index === index).relevance_score;
            let worst = 0;
            for (let i = 0; i < body.documents.length; i++) {
                const diff = Math.abs(score(ours.json, i) - score(theirs.json, i));
                assert.ok(diff <= 1e-3 * (1 + Math.abs(score(theirs.json, i))),
                    `document ${i}: hearth ${score(ours.json, i)}, llama-server ${score(theirs.json, i)}`);
                worst = Math.max(worst, diff);
            }
            assert.deepEqual(ours.json.results.map((r) => r.index), theirs.json.results.map((r) => r.index));
            console.log(`rerank: largest score difference vs llama-server ${worst}`);
        } finally {
            await llama.stop();
        }
    });
});
