// Text generation through the official OpenAI SDK on the real stories260K model: completions and chat,
// streaming, concurrency, cancellation and the error cases, with the server healthy afterwards. A generated
// Qwen3 (hearth-mkmodel tiny-qwen3) adds a chat template that reacts to chat_template_kwargs and a context
// long enough for a generation that lasts seconds.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { APIError, BadRequestError, NotFoundError } from 'openai';

import { assertAlive, assertErrorResponse, openaiClient, request, sleep } from './lib/http.mjs';
import { copyFileIn, makeTempDir, mkmodel, removeTempDirs, sharedModel, startServer,
    stopAllServers } from './lib/server.mjs';

// llama.cpp's own greedy output for this model and prompt (shared/models/MODELS.md).
const GOLDEN = ', there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, ' +
    "red ball. She wanted to play with it, but it was too high.\nLily's mom said";

describe('text generation', () => {
    let base;
    let client;

    before(async () => {
        const dir = await makeTempDir('gen');
        await copyFileIn(dir, 'stories.gguf', sharedModel('stories260K/stories260K-f32.gguf'));
        await copyFileIn(dir, 'chat.gguf', sharedModel('stories260K/stories260K-q8_0-chatml.gguf'));
        await mkmodel('tiny-qwen3', path.join(dir, 'qwen.gguf'));
        // One compute thread: llama.cpp's workers spin while waiting, and on a 2-core machine shared with
        // the other test suites two spinning threads slow every step by orders of magnitude.
        const server = await startServer({ modelsDir: dir, args: ['--threads', '1'] });
        base = server.baseURL;
        client = openaiClient(base);
    });
    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    test('greedy completion equals llama.cpp', async () => {
        const res = await client.completions.create({ model: 'stories', prompt: 'Once upon a time', max_tokens: 64,
            temperature: 0 });
        assert.equal(res.object, 'text_completion');
        assert.equal(res.choices[0].text, GOLDEN);
        assert.equal(res.choices[0].finish_reason, 'length');
        assert.equal(res.usage.prompt_tokens, 5);
        assert.equal(res.usage.completion_tokens, 64);
        assert.equal(res.usage.total_tokens, 69);
        assert.ok(res.timings.ttft_ms > 0 && res.timings.predicted_per_second > 0, JSON.stringify(res.timings));
    });

    test('streamed deltas concatenate to the non-streamed text', async () => {
        const stream = await client.completions.create({ model: 'stories', prompt: 'Once upon a time',
            max_tokens: 64, temperature: 0, stream: true, stream_options: { include_usage: true } });
        let text = '';
        let usage;
        let finish;
        for await (const chunk of stream) {
            if (chunk.usage) {
                usage = chunk.usage;
            }
            for (const c of chunk.choices) {
                text += c.text;
                finish = c.finish_reason ?? finish;
            }
        }
        assert.equal(text, GOLDEN);
        assert.equal(finish, 'length');
        assert.equal(usage.completion_tokens, 64);
    });

    test('chat renders the model template; stream equals non-stream', async () => {
        const messages = [{ role: 'system', content: 'sys' }, { role: 'user', content: 'Hi' }];
        const whole = await client.chat.completions.create({ model: 'chat', messages, max_tokens: 24,
            temperature: 0 });
        assert.equal(whole.object, 'chat.completion');
        assert.equal(whole.choices[0].message.role, 'assistant');
        assert.ok(whole.choices[0].message.content.length > 0);
        const stream = await client.chat.completions.create({ model: 'chat', messages, max_tokens: 24,
            temperature: 0, stream: true });
        let text = '';
        let roleSeen = false;
        for await (const chunk of stream) {
            assert.equal(chunk.object, 'chat.completion.chunk');
            roleSeen = roleSeen || chunk.choices[0]?.delta?.role === 'assistant';
            text += chunk.choices[0]?.delta?.content ?? '';
        }
        assert.ok(roleSeen);
        assert.equal(text, whole.choices[0].message.content);
    });

    test('stop strings end the text and are never emitted', async () => {
        const res = await client.completions.create({ model: 'stories', prompt: 'Once upon a time', max_tokens: 64,
            temperature: 0, stop: ['Lily.'] });
        assert.equal(res.choices[0].text, ', there was a little girl named ');
        assert.equal(res.choices[0].finish_reason, 'stop');
    });

    test('8 concurrent greedy requests give the same text as one alone', async () => {
        const ask = () => client.completions.create({ model: 'stories', prompt: 'Once upon a time', max_tokens: 48,
            temperature: 0 });
        const alone = (await ask()).choices[0].text;
        const all = await Promise.all(Array.from({ length: 8 }, ask));
        for (const r of all) {
            assert.equal(r.choices[0].text, alone);
        }
    });

    test('a repeated prompt reuses the cached prefix', async () => {
        const prompt = 'Once upon a time there was a dog named Max who';
        await client.completions.create({ model: 'stories', prompt, max_tokens: 4, temperature: 0 });
        const again = await client.completions.create({ model: 'stories', prompt: prompt + ' liked', max_tokens: 4,
            temperature: 0 });
        assert.ok(again.usage.prompt_tokens_details.cached_tokens > 5, JSON.stringify(again.usage));
    });

    test('aborting a stream frees its slot within a step and the server keeps serving', async () => {
        const controller = new AbortController();
        const stream = await client.completions.create({ model: 'stories', prompt: 'Once', max_tokens: 400,
            temperature: 0.8, ignore_eos: true, stream: true }, { signal: controller.signal });
        let chunks = 0;
        try {
            for await (const chunk of stream) {
                chunks += chunk.choices.length;
                if (chunks === 3) {
                    controller.abort();
                }
            }
        } catch {
            // the SDK may end the iteration or throw an abort error: either way the client is gone
        }
        assert.ok(chunks >= 3 && chunks < 400, `${chunks} chunks`);
        let slots;
        for (let i = 0; i < 50; i++) {
            slots = (await client.models.retrieve('stories')).slots;
            if (slots.busy === 0 && slots.cancelled >= 1) {
                break;
            }
            await sleep(50);
        }
        assert.equal(slots.busy, 0, JSON.stringify(slots));
        assert.ok(slots.cancelled >= 1, JSON.stringify(slots));
        const res = await client.completions.create({ model: 'stories', prompt: 'Once upon a time', max_tokens: 64,
            temperature: 0 });
        assert.equal(res.choices[0].text, GOLDEN);
    });

    // stories260K writes its at most 510 tokens in a fraction of a second, too fast to abort reliably; the
    // generated Qwen3 (4096 context, a few hundred tokens/s on one thread) needs many seconds for 4000.
    test('aborting a non-streamed completion frees its slot long before max_tokens', async () => {
        await client.completions.create({ model: 'qwen', prompt: 'Once', max_tokens: 1 }); // loaded: slots exist
        const slotsNow = async () => (await client.models.retrieve('qwen')).slots;
        const before = await slotsNow();
        const controller = new AbortController();
        const outcome = client.completions.create({ model: 'qwen', prompt: 'Once', max_tokens: 4000,
            temperature: 0.8, ignore_eos: true }, { signal: controller.signal }).then(() => 'answered', (err) => err);
        let slots = before;
        for (let i = 0; i < 100 && slots.busy === 0; i++) {
            await sleep(20);
            slots = await slotsNow();
        }
        assert.equal(slots.busy, 1, `the generation never started: ${JSON.stringify(slots)}`);
        await sleep(300);
        controller.abort();
        const abortedAt = Date.now();
        assert.notEqual(await outcome, 'answered');
        while (Date.now() - abortedAt < 5000 && (slots.busy !== 0 || slots.cancelled === before.cancelled)) {
            await sleep(50);
            slots = await slotsNow();
        }
        assert.equal(slots.busy, 0, JSON.stringify(slots));
        assert.equal(slots.cancelled, before.cancelled + 1, JSON.stringify(slots));
        assert.equal(slots.finished, before.finished, `it ran to max_tokens: ${JSON.stringify(slots)}`);
        assert.ok(Date.now() - abortedAt < 3000, `${Date.now() - abortedAt} ms to free the slot`);
        const res = await client.completions.create({ model: 'stories', prompt: 'Once upon a time', max_tokens: 64,
            temperature: 0 });
        assert.equal(res.choices[0].text, GOLDEN);
    });

    test('chat_template_kwargs reach the template; a wrong type is a 400', async () => {
        const messages = [{ role: 'user', content: 'Hi' }];
        const promptTokens = async (extra) => (await client.chat.completions.create({ model: 'qwen', messages,
            max_tokens: 1, temperature: 0, ...extra })).usage.prompt_tokens;
        const plain = await promptTokens({});
        // Qwen3's template opens the answer with an empty <think></think> block when thinking is off.
        const noThinking = await promptTokens({ chat_template_kwargs: { enable_thinking: false } });
        assert.ok(noThinking > plain, `${noThinking} prompt tokens without thinking, ${plain} by default`);
        assert.equal(await promptTokens({ chat_template_kwargs: { enable_thinking: true } }), plain);
        for (const kwargs of [{ enable_thinking: 'yes' }, 5, [true]]) {
            const res = await request(base, '/v1/chat/completions', { method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ model: 'qwen', messages, max_tokens: 1, chat_template_kwargs: kwargs }) });
            const err = assertErrorResponse(res, 400, { type: 'invalid_request_error' });
            assert.equal(err.param, 'chat_template_kwargs', JSON.stringify(err));
            await assertAlive(base, `chat_template_kwargs ${JSON.stringify(kwargs)}`);
        }
    });

    test('bad requests are 4xx OpenAI errors and the server stays healthy', async () => {
        const cases = [
            [{ model: 'nope', prompt: 'x' }, NotFoundError, 'completions'],
            [{ model: 'chat' }, BadRequestError, 'chat'],
            [{ model: 'chat', messages: {} }, BadRequestError, 'chat'],
            [{ model: 'stories', messages: [{ role: 'user', content: 'x' }] }, BadRequestError, 'chat'],
            [{ model: 'stories', prompt: 'x', max_tokens: -1 }, BadRequestError, 'completions'],
            [{ model: 'stories', prompt: 'x', max_tokens: 100000 }, BadRequestError, 'completions'],
            [{ model: 'stories', prompt: 'x', n: 1000 }, BadRequestError, 'completions'],
            [{ model: 'stories', prompt: 'x', top_k: -3 }, BadRequestError, 'completions'],
            [{ model: 'stories', prompt: 'x', temperature: 'hot' }, BadRequestError, 'completions'],
            [{ model: 'stories', prompt: [1, 2, 999999] }, BadRequestError, 'completions'],
            [{ model: 'stories', prompt: 'once '.repeat(600) }, BadRequestError, 'completions'],
        ];
        for (const [body, errorClass, endpoint] of cases) {
            const call = endpoint === 'chat' ? client.chat.completions.create(body) : client.completions.create(body);
            await assert.rejects(call, (err) => {
                assert.ok(err instanceof errorClass, `${JSON.stringify(body).slice(0, 80)}: ${err}`);
                assert.ok(err instanceof APIError);
                assert.equal(typeof err.error?.message ?? err.message, 'string');
                return true;
            });
            await assertAlive(base, JSON.stringify(body).slice(0, 60));
        }
    });

    test('context overflow names the token counts', async () => {
        const res = await request(base, '/v1/completions', { method: 'POST', headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'stories', prompt: 'x', max_tokens: 5000 }) });
        assert.equal(res.status, 400);
        assert.equal(res.json.error.code, 'context_length_exceeded');
        assert.match(res.json.error.message, /maximum context length is 512 tokens/);
    });
});

describe('generation backpressure', () => {
    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    test('with 1 slot and a queue of 2, extra concurrent requests get 429 with Retry-After', async () => {
        const dir = await makeTempDir('bp');
        await copyFileIn(dir, 'stories.gguf', sharedModel('stories260K/stories260K-f32.gguf'));
        const server = await startServer({ modelsDir: dir, args: ['--parallel', '1', '--queue-size', '2', '--threads', '1'] });
        const body = JSON.stringify({ model: 'stories', prompt: 'Once', max_tokens: 300, ignore_eos: true });
        const send = () => request(server.baseURL, '/v1/completions', { method: 'POST', body,
            headers: { 'content-type': 'application/json' } });
        await send(); // loads the model, so that all ten below meet a ready model
        const results = await Promise.all(Array.from({ length: 10 }, send));
        const ok = results.filter((r) => r.status === 200);
        const busy = results.filter((r) => r.status === 429);
        assert.equal(ok.length + busy.length, 10, results.map((r) => r.status).join(','));
        assert.ok(ok.length >= 1 && ok.length <= 3, `${ok.length} served`);
        for (const r of busy) {
            assert.equal(r.json.error.type, 'rate_limit_error');
            assert.equal(r.headers.get('retry-after'), '1');
        }
        for (const r of ok) {
            assert.equal(r.json.usage.completion_tokens, 300);
        }
        await assertAlive(server.baseURL, 'the 429s');
    });
});

// With one slot, a conversation loses its slot to another one; its next turn comes back from the host
// prompt cache (on by default) and continues exactly as a server without the cache prefills it.
describe('host prompt cache', () => {
    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    async function conversation(base) {
        const client = openaiClient(base);
        const ask = (prompt, max_tokens) => client.completions.create({ model: 'stories', prompt, max_tokens,
            temperature: 0 });
        const prompt = 'Once upon a time';
        const first = await ask(prompt, 40);
        await ask('The little dog ran to the park', 20);  // takes the only slot
        return ask(prompt + first.choices[0].text + ' The end', 20);
    }

    test('a conversation whose slot served another one is restored, and continues as a cold prefill', async () => {
        const dir = await makeTempDir('prompt-cache');
        await copyFileIn(dir, 'stories.gguf', sharedModel('stories260K/stories260K-f32.gguf'));
        const common = ['--parallel', '1', '--threads', '1'];
        const cached = await startServer({ modelsDir: dir, args: [...common, '--metrics-public'] });
        const plain = await startServer({ modelsDir: dir, args: [...common, '--prompt-cache', '0'] });
        const restored = await conversation(cached.baseURL);
        const cold = await conversation(plain.baseURL);
        assert.equal(restored.choices[0].text, cold.choices[0].text);
        // The retokenized conversation matches the slot's tokens for most of its 45.
        assert.ok(restored.usage.prompt_tokens_details.cached_tokens >= 30, JSON.stringify(restored.usage));
        assert.ok(cold.usage.prompt_tokens_details.cached_tokens <= 1, JSON.stringify(cold.usage));  // BOS at most
        const metrics = (await request(cached.baseURL, '/metrics')).text;
        const value = (name) => Number((metrics.match(new RegExp(`^${name}\\{model="stories"\\} (\\S+)$`, 'm')) ?? [])[1]);
        assert.ok(value('hearth_prompt_cache_restored_tokens_total') >= 29, metrics);
        assert.ok(value('hearth_prompt_cache_bytes') > 0, metrics);
        const status = (await request(cached.baseURL, '/v1/models/stories')).json;
        assert.equal(status.prompt_cache.restored, 1, JSON.stringify(status));
        assert.equal(status.prompt_cache.saved, 2, JSON.stringify(status));  // the first conversation, then the other
        assert.equal(status.prompt_cache.entries, 2, JSON.stringify(status));
        assert.ok(status.prompt_cache.restored_tokens >= 29 && status.prompt_cache.bytes > 0, JSON.stringify(status));
        await assertAlive(cached.baseURL, 'restoring a conversation');
    });
});
