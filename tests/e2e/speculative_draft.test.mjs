// Speculative decoding with a draft model ("draft_model" option, "speculative": {"type": "draft_model"}) on
// real engines. The pair agrees by construction (hearth-mkmodel --inert-from: the target's layers past the
// draft's add nothing), so every draft token is accepted; a partly perturbed target (--inert-scale) rejects
// some. Greedy output is the output without drafts, alone and 8 at once, with stop strings, logprobs and a
// json_schema grammar, and the tokens llama-server -md generates on the same pair. A draft with another
// vocabulary, a draft that does not exist and a draft_model request to a model without one are clear errors.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { assertErrorResponse, request } from './lib/http.mjs';
import { makeTempDir, mkmodel, removeTempDirs, runHearth, startLlamaServer, startServer, stopAllServers }
    from './lib/server.mjs';

const PROMPT = 'Once upon a time, in a quiet village by the sea,';
const DRAFT = { type: 'draft_model' };
const NONE = { type: 'none' };

describe('speculative decoding: draft model', () => {
    let server;
    let dir;

    before(async () => {
        dir = await makeTempDir('speculative-draft');
        const tiny = (file, extra) => mkmodel('tiny-qwen3', path.join(dir, file),
            { type: 'q8_0', seed: 13, untied: true, extra });
        await tiny('draft.gguf', ['--layers', '2']);
        await tiny('target.gguf', ['--layers', '8', '--inert-from', '2']);
        await tiny('partial.gguf', ['--layers', '8', '--inert-from', '2', '--inert-scale', '0.05']);
        fs.mkdirSync(path.join(dir, 'other'));
        await mkmodel('tiny-llama', path.join(dir, 'other', 'llama.gguf'), { type: 'q8_0', seed: 13 });
        const config = path.join(dir, 'config.json');
        fs.writeFileSync(config, JSON.stringify({ models: [
            { name: 'spec', path: path.join(dir, 'target.gguf'), options: { draft_model: 'draft', draft_max: 8 } },
            { name: 'spec-partial', path: path.join(dir, 'partial.gguf'),
                options: { draft_model: path.join(dir, 'draft.gguf'), draft_max: 8 } },
            { name: 'spec-picky', path: path.join(dir, 'target.gguf'),
                options: { draft_model: 'draft', draft_max: 8, draft_min: 8 } },
            { name: 'bad-vocab', path: path.join(dir, 'target.gguf'),
                options: { draft_model: path.join(dir, 'other', 'llama.gguf') } },
            { name: 'no-draft', path: path.join(dir, 'target.gguf'), options: { draft_model: 'nowhere' } },
        ] }));
        server = await startServer({ modelsDir: dir, args: ['--config', config, '--threads', '2', '--np', '4'] });
    });

    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    async function post(route, body) {
        return request(server.baseURL, route, { method: 'POST', headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body), timeoutMs: 60_000 });
    }

    async function complete(body) {
        const res = await post('/v1/completions', body);
        assert.equal(res.status, 200, res.text.slice(0, 300));
        return res.json;
    }

    test('the agreeing pair: every draft token accepted, the output unchanged', async () => {
        const body = { model: 'spec', prompt: PROMPT, max_tokens: 64, temperature: 0, ignore_eos: true };
        const none = await complete({ ...body, speculative: NONE });
        const drafted = await complete({ ...body, speculative: DRAFT });
        const byDefault = await complete(body);  // the model's default is its draft model
        assert.equal(drafted.choices[0].text, none.choices[0].text);
        assert.equal(byDefault.choices[0].text, none.choices[0].text);
        assert.equal(none.timings.draft_n, 0);
        assert.ok(drafted.timings.draft_n >= 32, JSON.stringify(drafted.timings));
        assert.equal(drafted.timings.draft_n_accepted, drafted.timings.draft_n);
        assert.equal(byDefault.timings.draft_n_accepted, byDefault.timings.draft_n);
        // n_max bounds each step's draft: with 2 a step proposes at most 2 of the 63 tokens after the first.
        const two = await complete({ ...body, speculative: { type: 'draft_model', n_max: 2 } });
        assert.equal(two.choices[0].text, none.choices[0].text);
        assert.ok(two.timings.draft_n <= 42 && two.timings.draft_n >= 30, JSON.stringify(two.timings));
    });

    test('the partial pair: some drafts rejected, the output still unchanged', async () => {
        const body = { model: 'spec-partial', prompt: PROMPT, max_tokens: 64, temperature: 0, ignore_eos: true };
        const none = await complete({ ...body, speculative: NONE });
        const drafted = await complete({ ...body, speculative: DRAFT });
        assert.equal(drafted.choices[0].text, none.choices[0].text);
        const t = drafted.timings;
        assert.ok(t.draft_n_accepted > 0 && t.draft_n_accepted < t.draft_n, JSON.stringify(t));
    });

    test('8 at once, stop strings, logprobs and a json_schema grammar: the same as without drafts', async () => {
        for (const model of ['spec', 'spec-partial']) {
            const bodies = Array.from({ length: 8 }, (_, i) => ({ model, prompt: `${PROMPT} ${'and '.repeat(i)}`,
                max_tokens: 40, temperature: 0 }));
            const alone = [];
            for (const b of bodies) {
                alone.push((await complete({ ...b, speculative: NONE })).choices[0].text);
            }
            const together = await Promise.all(bodies.map((b) => complete({ ...b, speculative: DRAFT })));
            assert.deepEqual(together.map((r) => r.choices[0].text), alone, model);
            // A stop string taken from the middle of the output: the drafted tokens after it never show.
            const stop = alone[0].slice(10, 14);
            const stopped = await complete({ ...bodies[0], stop: [stop], speculative: DRAFT });
            assert.equal(stopped.choices[0].text, alone[0].slice(0, alone[0].indexOf(stop)), model);
            assert.equal(stopped.choices[0].finish_reason, 'stop');
            const probsNone = await complete({ ...bodies[0], logprobs: 2, speculative: NONE });
            const probsDrafted = await complete({ ...bodies[0], logprobs: 2, speculative: DRAFT });
            assert.deepEqual(probsDrafted.choices[0].logprobs, probsNone.choices[0].logprobs, model);
        }
        const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] };
        const chat = { model: 'spec', messages: [{ role: 'user', content: 'Give me JSON.' }], max_tokens: 40,
            temperature: 0, response_format: { type: 'json_schema', json_schema: { name: 's', schema } } };
        const plainChat = await post('/v1/chat/completions', { ...chat, speculative: NONE });
        const draftedChat = await post('/v1/chat/completions', { ...chat, speculative: DRAFT });
        assert.equal(draftedChat.status, 200, draftedChat.text.slice(0, 300));
        assert.equal(draftedChat.json.choices[0].message.content, plainChat.json.choices[0].message.content);
        assert.ok(draftedChat.json.timings.draft_n > 0, JSON.stringify(draftedChat.json.timings));
    });

    test('draft_min drops short drafts; the model status and /metrics count drafts', async () => {
        // Every draft is cut short by max_tokens 6 (5 tokens after the first): draft_min 8 leaves none.
        const r = await complete({ model: 'spec-picky', prompt: PROMPT, max_tokens: 6, temperature: 0 });
        assert.equal(r.timings.draft_n, 0);
        const status = await request(server.baseURL, '/v1/models/spec');
        const spec = status.json.speculative;
        assert.equal(spec.draft_model, 'draft');
        assert.ok(spec.draft_tokens > 0);
        // Alone every draft token is accepted (the first test); 8 at once, batched float sums can flip a near tie.
        assert.ok(spec.accepted_tokens > 0 && spec.accepted_tokens <= spec.draft_tokens, JSON.stringify(spec));
        assert.ok(spec.acceptance_rate > 0.5, JSON.stringify(spec));
        assert.equal(status.json.options.draft_max, 8);
        const partial = (await request(server.baseURL, '/v1/models/spec-partial')).json.speculative;
        assert.ok(partial.acceptance_rate > 0 && partial.acceptance_rate < 1, JSON.stringify(partial));
        const metrics = (await request(server.baseURL, '/metrics')).text;
        const count = (name) => Number(metrics.match(new RegExp(`^${name}\\{model="spec"\\} (\\d+)`, 'm'))?.[1]);
        // Counted in /metrics too. (Its totals and the scheduler's were seen to differ: see the notes.)
        assert.ok(count('hearth_draft_tokens_total') > 0, metrics);
        assert.ok(count('hearth_draft_accepted_tokens_total') > 0, metrics);
    });

    test('errors: another vocabulary, a missing draft, draft_model on a model without one', async () => {
        const bad = await post('/v1/models/bad-vocab/load', {});
        assertErrorResponse(bad, 503, { what: 'bad-vocab' });
        assert.match(bad.json.error.message, /does not share the model's vocabulary/);
        const status = (await request(server.baseURL, '/v1/models/bad-vocab')).json;
        assert.equal(status.state, 'failed');
        assert.match(status.last_error, /vocabulary/);
        const missing = await post('/v1/models/no-draft/load', {});
        assertErrorResponse(missing, 503, { what: 'no-draft' });
        assert.match(missing.json.error.message, /draft_model 'nowhere' is neither a configured model nor a model file/);
        const refused = await post('/v1/completions', { model: 'draft', prompt: 'x', speculative: DRAFT });
        const err = assertErrorResponse(refused, 400, { what: 'draft_model without a draft' });
        assert.equal(err.param, 'speculative.type');
        // The server is fine, and the models with drafts still serve.
        await complete({ model: 'spec', prompt: 'x', max_tokens: 2 });
    });

    test('hearth add takes the draft options, and refuses bad ones', async () => {
        const config = path.join(dir, 'added.json');
        const add = await runHearth(['add', 'mine', path.join(dir, 'target.gguf'), '--config', config,
            '--draft-model', 'draft', '--draft-max', '5', '--draft-min', '1', '--draft-p-min', '0.5',
            '--draft-n-gpu-layers', '0', '--draft-device', 'none']);
        assert.equal(add.code, 0, add.output);
        const saved = JSON.parse(fs.readFileSync(config, 'utf8')).models[0].options;
        assert.deepEqual(saved, { draft_model: 'draft', draft_max: 5, draft_min: 1, draft_p_min: 0.5,
            draft_device: 'none', draft_n_gpu_layers: 0 });
        for (const [flag, value, pattern] of [['--draft-max', '0', /draft_max/], ['--draft-p-min', '1.5', /draft_p_min/],
            ['--draft-min', '9', /draft_min/]]) {
            const r = await runHearth(['add', 'other', path.join(dir, 'target.gguf'), '--config', config, flag, value]);
            assert.notEqual(r.code, 0, `${flag} ${value}`);
            assert.match(r.output, pattern);
        }
    });
});

describe('speculative decoding: the same tokens as llama-server -md', () => {
    test('greedy completions agree with llama-server drafting from the same pair', async () => {
        const dir = await makeTempDir('speculative-diff');
        const tiny = (file, extra) => mkmodel('tiny-qwen3', path.join(dir, file),
            { type: 'q8_0', seed: 13, untied: true, extra });
        const draft = await tiny('draft.gguf', ['--layers', '2']);
        const target = await tiny('partial.gguf', ['--layers', '8', '--inert-from', '2', '--inert-scale', '0.05']);
        const hearth = await startServer({ modelsDir: dir,
            args: ['--threads', '1', '--np', '2', '--ctx-size', '1024', '--draft-model', draft, '--draft-max', '8'] });
        const llama = await startLlamaServer({ model: target, args: ['-md', draft, '--spec-type', 'draft-simple',
            '--spec-draft-n-max', '8', '--threads', '1', '--parallel', '2', '--ctx-size', '2048', '--no-kv-unified'] });
        try {
            for (const prompt of [PROMPT, 'def fib(n):\n    if n < 2:\n        return n\n', 'Grüße aus Köln!']) {
                const body = { prompt, max_tokens: 48, temperature: 0, ignore_eos: true };
                const ours = await request(hearth.baseURL, '/v1/completions', { method: 'POST',
                    headers: { 'content-type': 'application/json' },
                    body: JSON.stringify({ ...body, model: 'partial' }), timeoutMs: 60_000 });
                const theirs = await request(llama.baseURL, '/v1/completions', { method: 'POST',
                    headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), timeoutMs: 60_000 });
                assert.equal(ours.status, 200, ours.text.slice(0, 300));
                assert.equal(theirs.status, 200, theirs.text.slice(0, 300));
                assert.equal(ours.json.choices[0].text, theirs.json.choices[0].text, JSON.stringify(prompt));
                assert.ok(ours.json.timings.draft_n > 0, JSON.stringify(ours.json.timings));
                assert.ok(theirs.json.timings.draft_n > 0, JSON.stringify(theirs.json.timings));
            }
        } finally {
            await stopAllServers();
            await removeTempDirs();
        }
    });
});
