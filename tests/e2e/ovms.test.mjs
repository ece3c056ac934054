// OpenVINO Model Server's routes: the /v3 aliases answer exactly as their /v1 handlers do (same bodies for
// greedy generation, embeddings and rerank), and GET /v1/config reports every model's lifecycle in OVMS's
// shape as models load and unload.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import OpenAI from 'openai';

import { assertErrorResponse, request } from './lib/http.mjs';
import { makeTempDir, mkmodel, removeTempDirs, startServer, stopAllServers } from './lib/server.mjs';

const post = (base, p, body) => request(base, p, { method: 'POST', body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' } });

const version = (state, errorCode = 'OK', errorMessage = 'OK') => ({
    model_version_status: [{ version: '1', state, status: { error_code: errorCode, error_message: errorMessage } }],
});

describe('OVMS-style routes', () => {
    let base;

    before(async () => {
        const dir = await makeTempDir('ovms');
        await mkmodel('tiny-qwen3', path.join(dir, 'chat.gguf'));
        await mkmodel('tiny-bert', path.join(dir, 'bert.gguf'));
        await mkmodel('tiny-rerank', path.join(dir, 'rerank.gguf'));
        base = (await startServer({ modelsDir: dir, args: ['--threads', '1'] })).baseURL;
    });

    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    test('GET /v1/config: every model END before its first load, in OVMS shape', async () => {
        const res = await request(base, '/v1/config');
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type'), /^application\/json/);
        assert.deepEqual(res.json, { bert: version('END'), chat: version('END'), rerank: version('END') });
    });

    test('/v3/chat/completions through the SDK: the same greedy message as /v1', async () => {
        const v3 = new OpenAI({ baseURL: `${base}/v3`, apiKey: 'none', maxRetries: 0, timeout: 15_000 });
        const body = { model: 'chat', messages: [{ role: 'user', content: 'Say hello' }], max_tokens: 12,
            temperature: 0 };
        const got = await v3.chat.completions.create(body);
        const want = (await post(base, '/v1/chat/completions', body)).json;
        assert.equal(got.object, 'chat.completion');
        assert.equal(got.model, 'chat');
        assert.deepEqual(got.choices, want.choices);
        assert.equal(got.usage.prompt_tokens, want.usage.prompt_tokens);
        assert.equal(got.usage.completion_tokens, want.usage.completion_tokens);
        const streamed = await v3.chat.completions.create({ ...body, stream: true });
        let text = '';
        for await (const chunk of streamed) {
            text += chunk.choices[0]?.delta?.content ?? '';
        }
        assert.equal(text, want.choices[0].message.content ?? '');
    });

    test('/v3/completions, /v3/embeddings and /v3/rerank answer as their /v1 routes', async () => {
        const text = { model: 'chat', prompt: 'Once upon', max_tokens: 6, temperature: 0 };
        const [a, b] = [await post(base, '/v3/completions', text), await post(base, '/v1/completions', text)];
        assert.equal(a.status, 200, a.text);
        assert.equal(a.json.object, 'text_completion');
        assert.deepEqual(a.json.choices, b.json.choices);

        const embed = { model: 'bert', input: ['hello', 'world'] };
        const [e3, e1] = [await post(base, '/v3/embeddings', embed), await post(base, '/v1/embeddings', embed)];
        assert.equal(e3.status, 200, e3.text);
        assert.equal(e3.json.data.length, 2);
        assert.deepEqual(e3.json.data, e1.json.data);

        const rerank = { model: 'rerank', query: 'hello', documents: ['hello there', 'goodbye'] };
        const [r3, r1] = [await post(base, '/v3/rerank', rerank), await post(base, '/v1/rerank', rerank)];
        assert.equal(r3.status, 200, r3.text);
        assert.equal(r3.json.results.length, 2);
        assert.deepEqual(r3.json.results, r1.json.results);
    });

    test('/v3/models and /v3/models/{id} list what /v1/models lists; unknown ids are 404', async () => {
        const [m3, m1] = [await request(base, '/v3/models'), await request(base, '/v1/models')];
        assert.equal(m3.status, 200);
        assert.deepEqual(m3.json.data.map((m) => m.id), ['bert', 'chat', 'rerank']);
        assert.deepEqual(m3.json.data.map((m) => [m.id, m.state]), m1.json.data.map((m) => [m.id, m.state]));
        const one = await request(base, '/v3/models/chat');
        assert.equal(one.status, 200);
        assert.equal(one.json.id, 'chat');
        assert.equal(one.json.object, 'model');
        assertErrorResponse(await request(base, '/v3/models/no-such-model'), 404, { code: 'model_not_found' });
        assertErrorResponse(await post(base, '/v3/chat/completions', { model: 'nope', messages: [] }), 400);
    });

    test('GET /v1/config follows loads and unloads', async () => {
        let res = await request(base, '/v1/config');
        assert.deepEqual(res.json, { bert: version('AVAILABLE'), chat: version('AVAILABLE'),
            rerank: version('AVAILABLE') });
        assert.equal((await post(base, '/v1/models/chat/unload', {})).status, 200);
        res = await request(base, '/v1/config');
        assert.deepEqual(res.json.chat, version('END'));
        assert.deepEqual(res.json.bert, version('AVAILABLE'));
        assert.equal((await post(base, '/v1/models/chat/load', {})).status, 200);
        res = await request(base, '/v1/config');
        assert.deepEqual(res.json.chat, version('AVAILABLE'));
        assertErrorResponse(await request(base, '/v1/config', { method: 'POST' }), 405);
    });
});
