// Differential test: hearth against llama.cpp's own llama-server (built from the same pinned tree, over the
// same ggml) on one generated qwen2 model with random weights and the real Qwen2.5 vocabulary and chat
// template. Greedy generation must agree token for token, for chats (the rendered prompt included: llama-server
// renders the GGUF template with --jinja) and for plain completions.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { openaiClient, request } from './lib/http.mjs';
import { groupLikeLlamaServer } from './lib/tokens.mjs';
import { makeTempDir, mkmodel, removeTempDirs, startLlamaServer, startServer, stopAllServers } from './lib/server.mjs';

const N_TOKENS = 32;
// The same logits give log-probabilities about 1e-5 apart: llama-server sums the softmax of the 151,936 logits
// in float, hearth in double. The gap between the two most likely tokens is the difference of their logits
// whatever the sum, and agrees to float rounding (1e-6): a different attention kernel (llama-server with
// --flash-attn off) already moves it by 1e-4.
const LOGPROB_TOLERANCE = 1e-4;
const MARGIN_TOLERANCE = 1e-5;

// The same shapes on both sides: 4 slots of 4096 tokens, each slot its own KV stream, one batch of at most
// 512 tokens per decode, one compute thread (the machine may have 2 cores shared with other suites).
const N_SLOTS = 4;
const N_CTX_PER_SLOT = 4096;
const HEARTH_ARGS = ['--parallel', String(N_SLOTS), '--ctx-size', String(N_CTX_PER_SLOT), '--batch-size', '512',
    '--threads', '1'];
const LLAMA_ARGS = ['--parallel', String(N_SLOTS), '--ctx-size', String(N_SLOTS * N_CTX_PER_SLOT), '--no-kv-unified',
    '--batch-size', '512', '--ubatch-size', '512', '--threads', '1', '--jinja'];

const SYSTEM = { role: 'system', content: 'You are a terse assistant. Answer in one sentence.' };

const CHATS = [
    { name: 'system and user', messages: [SYSTEM, { role: 'user', content: 'Name three rivers in Europe.' }] },
    // Without a system message the Qwen2.5 template writes its own.
    { name: 'user only', messages: [{ role: 'user', content: 'Hello!' }] },
    {
        name: 'multi-turn',
        messages: [
            SYSTEM,
            { role: 'user', content: 'What is 2 + 2?' },
            { role: 'assistant', content: '4.' },
            { role: 'user', content: 'And times three?' },
        ],
    },
    {
        name: 'non-ASCII',
        messages: [{ role: 'user', content: 'Grüße aus Köln! Что нового? 東京で会いましょう 🙂' }],
    },
];

const COMPLETIONS = [
    { name: 'plain prompt', prompt: 'The quick brown fox jumps over the lazy dog. Then' },
    { name: 'non-ASCII', prompt: 'Ünïcödé: naïve café, Ελληνικά, 中文文本, emoji 🚀🔥 and' },
    { name: 'code', prompt: 'def fib(n):\n    if n < 2:\n        return n\n' },
];

// Greedy and a fixed length: ignore_eos bans the end-of-generation tokens on both sides.
const GREEDY = { max_tokens: N_TOKENS, temperature: 0, ignore_eos: true };

function assertSameUsage(ours, theirs, what) {
    assert.equal(ours.usage.prompt_tokens, theirs.usage.prompt_tokens, `${what}: prompt tokens`);
    assert.equal(ours.usage.completion_tokens, N_TOKENS, `${what}: hearth's completion tokens`);
    assert.equal(theirs.usage.completion_tokens, N_TOKENS, `${what}: llama-server's completion tokens`);
    assert.equal(ours.choices[0].finish_reason, 'length', `${what}: hearth's finish reason`);
    assert.equal(theirs.choices[0].finish_reason, 'length', `${what}: llama-server's finish reason`);
}

const hex = (bytes) => Buffer.from(bytes).toString('hex');

// The chat logprobs of both sides (each entry with its two most likely tokens): the same tokens, the same
// runners-up, the same gap between them and close log-probabilities.
function assertSameTokens(ours, theirs, what) {
    assert.equal(ours.length, N_TOKENS, `${what}: hearth's logprobs entries`);
    const grouped = groupLikeLlamaServer(ours);
    assert.deepEqual(grouped.map((t) => hex(t.bytes)), theirs.map((t) => hex(t.bytes)), `${what}: token bytes`);
    for (let i = 0; i < grouped.length; i++) {
        const [a, b] = [grouped[i], theirs[i]];
        const at = `${what}: entry ${i}`;
        assert.ok(Math.abs(a.logprob - b.logprob) < LOGPROB_TOLERANCE, `${at}: logprob ${a.logprob} vs ${b.logprob}`);
        assert.equal(a.top_logprobs.length, 2, `${at}: hearth's top_logprobs`);
        assert.equal(b.top_logprobs.length, 2, `${at}: llama-server's top_logprobs`);
        assert.equal(hex(a.top_logprobs[1].bytes), hex(b.top_logprobs[1].bytes), `${at}: runner-up`);
        const margin = (t) => t.top_logprobs[0].logprob - t.top_logprobs[1].logprob;
        assert.ok(Math.abs(margin(a) - margin(b)) < MARGIN_TOLERANCE, `${at}: gap to the runner-up ${margin(a)} vs ` +
                  `${margin(b)}`);
    }
}

function postJson(base, route, body) {
    return request(base, route, { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body) });
}

describe('differential: hearth and llama-server agree token for token (tiny qwen2)', () => {
    let hearth;
    let llama;
    let llamaBase;

    before(async () => {
        const dir = await makeTempDir('diff');
        // tiny-qwen2 with its own output matrix: with tied embeddings, random weights make the model repeat its
        // last prompt token ("time time time ..."), which cannot tell two engines apart; untied, each token is
        // the arg-max of 151,936 nearly equal logits, which any different prompt token or activation changes.
        const model = await mkmodel('tiny-qwen2', path.join(dir, 'qwen.gguf'), { type: 'f16', seed: 7, untied: true });
        const [ours, theirs] = await Promise.all([
            startServer({ modelsDir: dir, args: HEARTH_ARGS }),
            startLlamaServer({ model, args: LLAMA_ARGS }),
        ]);
        hearth = openaiClient(ours.baseURL);
        llama = openaiClient(theirs.baseURL);
        llamaBase = theirs.baseURL;
    });
    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    for (const { name, messages } of CHATS) {
        test(`chat: ${name}`, async () => {
            const body = { model: 'qwen', messages, ...GREEDY, logprobs: true, top_logprobs: 2 };
            const ours = await hearth.chat.completions.create(body);
            const theirs = await llama.chat.completions.create(body);
            // The same prompt length and the same 32 tokens after it: both rendered and tokenized the same prompt.
            assertSameUsage(ours, theirs, name);
            assert.equal(ours.choices[0].message.content, theirs.choices[0].message.content, `${name}: text`);
            assertSameTokens(ours.choices[0].logprobs.content, theirs.choices[0].logprobs.content, name);

            // llama-server's rendering of the messages, given to hearth as a plain prompt, is the same prompt.
            const rendered = await postJson(llamaBase, '/apply-template', { messages });
            assert.equal(rendered.status, 200, rendered.text);
            const plain = await hearth.completions.create({ model: 'qwen', prompt: rendered.json.prompt, ...GREEDY });
            assert.equal(plain.usage.prompt_tokens, ours.usage.prompt_tokens, `${name}: rendered prompt tokens`);
            assert.equal(plain.choices[0].text, ours.choices[0].message.content, `${name}: text after the rendering`);
        });
    }

    test('chat: tools and a tool round trip render and generate as in llama-server', async () => {
        const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Current weather in a city',
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
        const messages = [SYSTEM, { role: 'user', content: 'Weather in Oslo?' },
            { role: 'assistant', content: null, tool_calls: [{ id: 'abcDEF123', type: 'function',
                function: { name: 'get_weather', arguments: '{"city": "Oslo"}' } }] },
            { role: 'tool', tool_call_id: 'abcDEF123', content: 'minus three degrees' }];
        const rendered = await postJson(llamaBase, '/apply-template', { messages, tools });
        assert.equal(rendered.status, 200, rendered.text);
        assert.match(rendered.json.prompt, /get_weather[\s\S]*minus three degrees/);
        const plain = await hearth.completions.create({ model: 'qwen', prompt: rendered.json.prompt, max_tokens: 1,
            temperature: 0 });
        // tool_choice none: both sides render the tools but parse the output as plain content.
        const body = { model: 'qwen', messages, tools, tool_choice: 'none', ...GREEDY };
        const ours = await hearth.chat.completions.create(body);
        const theirs = await llama.chat.completions.create(body);
        assert.equal(ours.usage.prompt_tokens, plain.usage.prompt_tokens, 'hearth renders what llama-server renders');
        assertSameUsage(ours, theirs, 'tools');
        assert.equal(ours.choices[0].message.content, theirs.choices[0].message.content);
    });

    for (const { name, prompt } of COMPLETIONS) {
        test(`completion: ${name}`, async () => {
            const body = { model: 'qwen', prompt, ...GREEDY, logprobs: 0 };
            const ours = await hearth.completions.create(body);
            const theirs = await llama.completions.create(body);
            assertSameUsage(ours, theirs, name);
            assert.equal(ours.choices[0].text, theirs.choices[0].text, `${name}: text`);

            // Token for token: llama-server's native endpoint names the ids it generated, and each id's piece
            // is what hearth lists (both print a piece that is not whole UTF-8 with U+FFFD, through nlohmann's
            // replacing dump).
            const native = await postJson(llamaBase, '/completion', { prompt, n_predict: N_TOKENS, temperature: 0,
                ignore_eos: true, return_tokens: true });
            assert.equal(native.status, 200, native.text);
            assert.equal(native.json.content, theirs.choices[0].text, `${name}: llama-server's two endpoints`);
            assert.equal(native.json.tokens.length, N_TOKENS, `${name}: llama-server's token ids`);
            const pieces = [];
            // One at a time: llama-server's few HTTP threads each keep their connection until it idles out.
            for (const id of native.json.tokens) {
                pieces.push((await postJson(llamaBase, '/detokenize', { tokens: [id] })).json.content);
            }
            assert.deepEqual(ours.choices[0].logprobs.tokens, pieces, `${name}: tokens`);
        });
    }
});
