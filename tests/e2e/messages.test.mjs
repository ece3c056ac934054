// Anthropic's Messages API through the official Anthropic TypeScript SDK (pinned in package-lock.json):
// messages.create, messages.stream + finalMessage(), a forced tool_use → tool_result round trip, countTokens,
// errors in Anthropic's shape; and the same greedy conversation answered identically by /v1/chat/completions
// and /v1/messages (one chat request underneath both). The model is a random-weight tiny-qwen2 carrying
// Qwen2.5's real template (Hermes-style <tool_call>), so tests force what they check with a pinned schema.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import Anthropic from '@anthropic-ai/sdk';

import { assertAlive, openaiClient, request } from './lib/http.mjs';
import { makeTempDir, mkmodel, removeTempDirs, startServer, stopAllServers } from './lib/server.mjs';

const MODEL = 'qwen';
const WEATHER_SCHEMA = {
    type: 'object',
    properties: { city: { type: 'string', enum: ['Oslo'] }, unit: { const: 'celsius' } },
    required: ['city', 'unit'],
    additionalProperties: false,
};
const WEATHER = { name: 'get_weather', description: 'Current weather in a city', input_schema: WEATHER_SCHEMA };
const WEATHER_ARGS = { city: 'Oslo', unit: 'celsius' };
const USER = [{ role: 'user', content: 'What is the weather in Oslo?' }];
const GREEDY = { temperature: 0, max_tokens: 24 };

const postJson = (base, p, body) => request(base, p, { method: 'POST', body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' } });

// Anthropic's error envelope, exactly.
function assertAnthropicError(res, status, type) {
    assert.equal(res.status, status, res.text);
    assert.match(res.headers.get('content-type'), /^application\/json/);
    assert.deepEqual(Object.keys(res.json), ['type', 'error']);
    assert.equal(res.json.type, 'error');
    assert.deepEqual(Object.keys(res.json.error), ['type', 'message']);
    assert.equal(res.json.error.type, type, res.text);
    assert.ok(res.json.error.message.length > 0);
    return res.json.error;
}

describe('Anthropic Messages API', () => {
    let base;
    let client;

    before(async () => {
        const dir = await makeTempDir('messages');
        await mkmodel('tiny-qwen2', path.join(dir, `${MODEL}.gguf`));
        // QwQ's template opens <think>: everything a random model says is reasoning until it closes it.
        await mkmodel('tiny-qwq', path.join(dir, 'qwq.gguf'), { untied: true });
        base = (await startServer({ modelsDir: dir, args: ['--threads', '1'] })).baseURL;
        client = new Anthropic({ baseURL: base, apiKey: 'anything', maxRetries: 0, timeout: 30_000 });
    });

    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    test('messages.create: a message in Anthropic shape, with usage', async () => {
        const msg = await client.messages.create({ model: MODEL, messages: USER, system: 'Be brief.', ...GREEDY });
        assert.match(msg.id, /^msg_[A-Za-z0-9]{24}$/);
        assert.equal(msg.type, 'message');
        assert.equal(msg.role, 'assistant');
        assert.equal(msg.model, MODEL);
        assert.equal(msg.stop_sequence, null);
        assert.ok(['end_turn', 'max_tokens'].includes(msg.stop_reason), msg.stop_reason);
        assert.equal(msg.content.length, 1, JSON.stringify(msg.content));
        assert.equal(msg.content[0].type, 'text');
        assert.equal(typeof msg.content[0].text, 'string');
        assert.deepEqual(Object.keys(msg.usage).sort(), ['input_tokens', 'output_tokens']);
        assert.ok(msg.usage.output_tokens > 0 && msg.usage.output_tokens <= GREEDY.max_tokens);
        if (msg.stop_reason === 'max_tokens') {
            assert.equal(msg.usage.output_tokens, GREEDY.max_tokens);
        }
        const counted = await client.messages.countTokens({ model: MODEL, messages: USER, system: 'Be brief.' });
        assert.deepEqual(counted, { input_tokens: msg.usage.input_tokens });
        // (Qwen's template puts a default system prompt of its own where none is sent: compare two sent ones.)
        const longer = await client.messages.countTokens({ model: MODEL, messages: USER,
            system: [{ type: 'text', text: 'Be brief. '.repeat(20) }] });
        assert.ok(longer.input_tokens > counted.input_tokens + 19, 'the system prompt counts');
    });

    test('messages.stream + finalMessage(): the same message as create, through the SDK accumulator', async () => {
        const body = { model: MODEL, messages: USER, ...GREEDY };
        const whole = await client.messages.create(body);
        const stream = client.messages.stream(body);
        const types = [];
        let text = '';
        stream.on('streamEvent', (event) => types.push(event.type));
        stream.on('text', (delta) => { text += delta; });
        const final = await stream.finalMessage();
        assert.deepEqual(final.content, whole.content);
        assert.equal(final.stop_reason, whole.stop_reason);
        assert.deepEqual(final.usage, whole.usage);
        assert.equal(text, whole.content[0].text);
        assert.equal(types[0], 'message_start');
        assert.equal(types[1], 'content_block_start');
        assert.deepEqual(types.slice(-3), ['content_block_stop', 'message_delta', 'message_stop']);
    });

    test('the raw stream: named events, ping after the first block opens, nothing after message_stop', async () => {
        const res = await postJson(base, '/v1/messages', { model: MODEL, messages: USER, stream: true, ...GREEDY });
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type'), /^text\/event-stream/);
        const frames = res.text.trim().split('\n\n').map((f) => {
            const [eventLine, dataLine] = f.split('\n');
            assert.match(eventLine, /^event: [a-z_]+$/);
            assert.match(dataLine, /^data: \{/);
            const data = JSON.parse(dataLine.slice(6));
            assert.equal(data.type, eventLine.slice(7));
            return data;
        });
        assert.deepEqual(frames.slice(0, 3).map((f) => f.type), ['message_start', 'content_block_start', 'ping']);
        assert.deepEqual(frames[0].message.content, []);
        assert.equal(frames[0].message.stop_reason, null);
        assert.deepEqual(frames[1].content_block, { type: 'text', text: '' });
        assert.deepEqual(frames.at(-1), { type: 'message_stop' });
        const delta = frames.at(-2);
        assert.equal(delta.type, 'message_delta');
        assert.equal(delta.usage.input_tokens, frames[0].message.usage.input_tokens);
        assert.ok(!res.text.includes('[DONE]'));
    });

    test('tools: a forced tool_use, then its tool_result answered; streamed the same', async () => {
        const body = { model: MODEL, messages: USER, tools: [WEATHER], tool_choice: { type: 'tool', name: 'get_weather' },
            temperature: 0, max_tokens: 160 };
        const first = await client.messages.create(body);
        assert.equal(first.stop_reason, 'tool_use', JSON.stringify(first.content));
        const uses = first.content.filter((b) => b.type === 'tool_use');
        assert.equal(uses.length, 1, JSON.stringify(first.content));
        assert.equal(uses[0].name, 'get_weather');
        assert.deepEqual(uses[0].input, WEATHER_ARGS);
        assert.match(uses[0].id, /^[A-Za-z0-9]{9}$/);

        const final = await client.messages.stream(body).finalMessage();
        assert.equal(final.stop_reason, 'tool_use');
        assert.deepEqual(final.content.filter((b) => b.type === 'tool_use').map((b) => [b.name, b.input]),
            [['get_weather', WEATHER_ARGS]]);

        const messages = [...USER, { role: 'assistant', content: first.content },
            { role: 'user', content: [{ type: 'tool_result', tool_use_id: uses[0].id, content: '{"temperature": -3}' }] }];
        const second = await client.messages.create({ model: MODEL, messages, tools: [WEATHER], temperature: 0,
            max_tokens: 4 });
        assert.ok(['end_turn', 'max_tokens', 'tool_use'].includes(second.stop_reason));
        assert.ok(second.usage.input_tokens > first.usage.input_tokens + 10,
            `${second.usage.input_tokens} input tokens after the round trip, ${first.usage.input_tokens} before`);
        const counted = await client.messages.countTokens({ model: MODEL, messages, tools: [WEATHER] });
        assert.equal(counted.input_tokens, second.usage.input_tokens);
    });

    test('errors: Anthropic shape and status, through the SDK and raw; the server keeps serving', async () => {
        await assert.rejects(client.messages.create({ model: MODEL, messages: USER }), (e) => {
            assert.ok(e instanceof Anthropic.BadRequestError, String(e));
            assert.equal(e.status, 400);
            assert.equal(e.error.type, 'error');
            assert.equal(e.error.error.type, 'invalid_request_error');
            assert.match(e.error.error.message, /max_tokens/);
            return true;
        });
        await assert.rejects(client.messages.create({ model: 'no-such-model', messages: USER, max_tokens: 4 }), (e) => {
            assert.ok(e instanceof Anthropic.NotFoundError, String(e));
            assert.equal(e.error.error.type, 'not_found_error');
            return true;
        });
        const cases = [
            [{ model: MODEL, max_tokens: 4, messages: [{ role: 'system', content: 'x' }] }, /messages\[0\]\.role/],
            [{ model: MODEL, max_tokens: 4, messages: [{ role: 'user', content: [{ type: 'image' }] }] },
                /messages\[0\]\.content\[0\]\.source/],
            [{ model: MODEL, max_tokens: 4, messages: USER, temperature: 1.5 }, /temperature/],
            [{ model: MODEL, max_tokens: 4, messages: USER, tool_choice: { type: 'tool', name: 'missing' },
                tools: [WEATHER] }, /missing/],
        ];
        for (const [body, message] of cases) {
            const err = assertAnthropicError(await postJson(base, '/v1/messages', body), 400, 'invalid_request_error');
            assert.match(err.message, message);
        }
        assertAnthropicError(await postJson(base, '/v1/messages/count_tokens', { model: MODEL }), 400,
            'invalid_request_error');
        assertAnthropicError(await postJson(base, '/v1/messages', { model: MODEL, max_tokens: 100000, messages: USER }),
            400, 'invalid_request_error');
        await assertAlive(base, 'the errors');
    });

    test('greedy output of one conversation is the same through /v1/chat/completions and /v1/messages', async () => {
        const openai = openaiClient(base);
        for (const max_tokens of [1, 16, 48]) {
            const chat = await openai.chat.completions.create({ model: MODEL, temperature: 0, max_tokens,
                messages: [{ role: 'system', content: 'Answer in one word.' }, ...USER,
                    { role: 'assistant', content: 'Rain.' }, { role: 'user', content: 'And tomorrow?' }] });
            const msg = await client.messages.create({ model: MODEL, temperature: 0, max_tokens,
                system: 'Answer in one word.', messages: [...USER, { role: 'assistant', content: 'Rain.' },
                    { role: 'user', content: [{ type: 'text', text: 'And tomorrow?' }] }] });
            assert.equal(msg.content[0].text, chat.choices[0].message.content, `max_tokens ${max_tokens}`);
            assert.equal(msg.usage.input_tokens, chat.usage.prompt_tokens);
            assert.equal(msg.usage.output_tokens, chat.usage.completion_tokens);
            assert.equal(msg.stop_reason, chat.choices[0].finish_reason === 'length' ? 'max_tokens' : 'end_turn');
        }
    });

    test('stop_sequences: stop_reason "stop_sequence" names the string that matched, streamed the same', async () => {
        const body = { model: MODEL, messages: USER, temperature: 0, max_tokens: 48 };
        const full = (await client.messages.create(body)).content[0].text;
        assert.ok(full.length >= 6, `a random model's text long enough to cut: ${JSON.stringify(full)}`);
        // A piece from the middle of the greedy answer: generation ends where it first appears, before it.
        const cut = full.slice(Math.floor(full.length / 2), Math.floor(full.length / 2) + 2);
        const before = full.slice(0, full.indexOf(cut));
        const stopped = await client.messages.create({ ...body, stop_sequences: ['never-said-stop', cut] });
        assert.equal(stopped.stop_reason, 'stop_sequence', JSON.stringify(stopped));
        assert.equal(stopped.stop_sequence, cut);
        assert.equal(stopped.content[0].text.trimEnd(), before.trimEnd(), JSON.stringify(full));
        const streamed = await client.messages.stream({ ...body, stop_sequences: ['never-said-stop', cut] }).finalMessage();
        assert.equal(streamed.stop_reason, 'stop_sequence');
        assert.equal(streamed.stop_sequence, cut);
        assert.deepEqual(streamed.content, stopped.content);
        // One that never matches: the ordinary reasons, and a null stop_sequence.
        const unmatched = await client.messages.create({ ...body, stop_sequences: ['never-said-stop'] });
        assert.ok(['end_turn', 'max_tokens'].includes(unmatched.stop_reason), unmatched.stop_reason);
        assert.equal(unmatched.stop_sequence, null);
        assert.equal(unmatched.content[0].text, full);
    });

    test('a thinking model: the chat parser\'s reasoning comes back as a thinking block, streamed the same', async () => {
        const body = { model: 'qwq', messages: USER, max_tokens: 12, temperature: 0 };
        const chat = await openaiClient(base).chat.completions.create(body);
        const reasoning = chat.choices[0].message.reasoning_content;
        assert.ok(reasoning.length > 0, JSON.stringify(chat.choices[0].message));
        const msg = await client.messages.create(body);
        assert.equal(msg.content[0].type, 'thinking');
        assert.equal(msg.content[0].thinking, reasoning);
        const text = msg.content.filter((b) => b.type === 'text').map((b) => b.text).join('');
        assert.equal(text, chat.choices[0].message.content ?? '');
        const final = await client.messages.stream(body).finalMessage();
        assert.deepEqual(final.content, msg.content);
    });
});

describe('Anthropic Messages API behind an API key', () => {
    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    test('the SDK\'s x-api-key admits; a wrong key is an AuthenticationError in Anthropic\'s shape', async () => {
        const dir = await makeTempDir('messages-key');
        await mkmodel('tiny-qwen2', path.join(dir, `${MODEL}.gguf`));
        const { baseURL } = await startServer({ modelsDir: dir, args: ['--threads', '1', '--api-key', 'sk-ant'] });
        const options = { baseURL, maxRetries: 0, timeout: 30_000 };
        const msg = await new Anthropic({ ...options, apiKey: 'sk-ant' }).messages.create({ model: MODEL,
            messages: USER, ...GREEDY });
        assert.equal(msg.type, 'message');
        await assert.rejects(new Anthropic({ ...options, apiKey: 'sk-wrong' }).messages.countTokens({ model: MODEL,
            messages: USER }), (e) => {
            assert.ok(e instanceof Anthropic.AuthenticationError, String(e));
            assert.equal(e.status, 401);
            assert.equal(e.error.type, 'error');
            assert.equal(e.error.error.type, 'authentication_error');
            return true;
        });
        assertAnthropicError(await postJson(baseURL, '/v1/messages', { model: MODEL, messages: USER, max_tokens: 2 }),
            401, 'authentication_error');
        await assertAlive(baseURL, 'the refused requests');
    });
});
