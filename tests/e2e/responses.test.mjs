// OpenAI's Responses API through the official openai SDK: responses.create (plain, with instructions), the
// SDK's stream helper (responses.stream + finalResponse, which re-folds every semantic event and checks their
// order), a forced function_call → function_call_output round trip, text.format json_schema, a
// previous_response_id chain, retrieve and delete, store:false, and the same greedy conversation answered
// identically by /v1/chat/completions, /v1/responses and /v1/messages. Random-weight tiny-qwen2 with
// Qwen2.5's real template; pinned schemas force what the tests check.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';

import { assertAlive, assertErrorResponse, openaiClient, request } from './lib/http.mjs';
import { makeTempDir, mkmodel, removeTempDirs, startServer, stopAllServers } from './lib/server.mjs';

const MODEL = 'qwen';
const WEATHER = {
    type: 'function',
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: {
        type: 'object',
        properties: { city: { type: 'string', enum: ['Oslo'] }, unit: { const: 'celsius' } },
        required: ['city', 'unit'],
        additionalProperties: false,
    },
    strict: true,
};
const WEATHER_ARGS = { city: 'Oslo', unit: 'celsius' };
const PERSON = {
    type: 'object',
    properties: { name: { type: 'string', maxLength: 12 }, age: { type: 'integer', minimum: 0, maximum: 120 } },
    required: ['name', 'age'],
    additionalProperties: false,
};
const QUESTION = 'What is the weather in Oslo?';

const postJson = (base, p, body) => request(base, p, { method: 'POST', body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' } });

function assertResponseShape(res, { status = undefined } = {}) {
    assert.match(res.id, /^resp_[A-Za-z0-9]{24}$/);
    assert.equal(res.object, 'response');
    assert.equal(res.model, MODEL);
    assert.equal(res.error, null);
    assert.ok(Number.isInteger(res.created_at));
    if (status) {
        assert.equal(res.status, status);
    }
    assert.ok(['completed', 'incomplete'].includes(res.status), res.status);
    assert.deepEqual(res.incomplete_details, res.status === 'incomplete' ? { reason: 'max_output_tokens' } : null);
    assert.equal(res.usage.total_tokens, res.usage.input_tokens + res.usage.output_tokens);
    assert.ok(res.usage.output_tokens > 0);
}

describe('OpenAI Responses API', () => {
    let base;
    let client;

    before(async () => {
        const dir = await makeTempDir('responses');
        await mkmodel('tiny-qwen2', path.join(dir, `${MODEL}.gguf`));
        // QwQ's template opens <think>: everything a random model says is reasoning until it closes it.
        await mkmodel('tiny-qwq', path.join(dir, 'qwq.gguf'), { untied: true });
        base = (await startServer({ modelsDir: dir, args: ['--threads', '1', '--responses-store-size', '8'] })).baseURL;
        client = openaiClient(base);
    });

    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    test('responses.create: a message item, output_text and usage; streamed the same through the helper', async () => {
        const body = { model: MODEL, input: QUESTION, instructions: 'Be brief.', temperature: 0, max_output_tokens: 16 };
        const res = await client.responses.create(body);
        assertResponseShape(res);
        assert.equal(res.instructions, 'Be brief.');
        assert.equal(res.max_output_tokens, 16);
        assert.equal(res.output.length, 1, JSON.stringify(res.output));
        const [item] = res.output;
        assert.equal(item.type, 'message');
        assert.equal(item.role, 'assistant');
        assert.equal(item.status, 'completed');
        assert.match(item.id, /^msg_/);
        assert.deepEqual(item.content, [{ type: 'output_text', text: res.output_text, annotations: [], logprobs: [] }]);

        const stream = client.responses.stream(body);
        const seen = [];
        let deltas = '';
        stream.on('event', (e) => seen.push([e.type, e.sequence_number]));
        stream.on('response.output_text.delta', (e) => { deltas += e.delta; });
        const final = await stream.finalResponse();
        assert.equal(final.output_text, res.output_text);
        assert.equal(deltas, res.output_text);
        assert.equal(final.status, res.status);
        assert.deepEqual(final.usage.output_tokens, res.usage.output_tokens);
        assert.deepEqual(seen.map(([, n]) => n), seen.map((_, i) => i), 'sequence numbers count from 0');
        const types = seen.map(([t]) => t);
        assert.deepEqual(types.slice(0, 4), ['response.created', 'response.in_progress', 'response.output_item.added',
            'response.content_part.added']);
        assert.deepEqual(types.slice(-4), ['response.output_text.done', 'response.content_part.done',
            'response.output_item.done', `response.${res.status}`]);
    });

    test('function tools: a forced function_call, then its function_call_output answered', async () => {
        const body = { model: MODEL, input: QUESTION, tools: [WEATHER], parallel_tool_calls: false,
            tool_choice: { type: 'function', name: 'get_weather' }, temperature: 0, max_output_tokens: 160 };
        const first = await client.responses.create(body);
        assertResponseShape(first, { status: 'completed' });
        const calls = first.output.filter((o) => o.type === 'function_call');
        assert.equal(calls.length, 1, JSON.stringify(first.output));
        assert.equal(calls[0].name, 'get_weather');
        assert.deepEqual(JSON.parse(calls[0].arguments), WEATHER_ARGS);
        assert.match(calls[0].id, /^fc_/);
        assert.match(calls[0].call_id, /^[A-Za-z0-9]{9}$/);

        const stream = client.responses.stream(body);
        const argDeltas = [];
        stream.on('response.function_call_arguments.delta', (e) => argDeltas.push(e.delta));
        const streamed = await stream.finalResponse();
        const streamedCalls = streamed.output.filter((o) => o.type === 'function_call');
        assert.deepEqual(streamedCalls.map((c) => [c.name, JSON.parse(c.arguments)]), [['get_weather', WEATHER_ARGS]]);
        assert.equal(argDeltas.join(''), streamedCalls[0].arguments);

        const input = [{ role: 'user', content: QUESTION }, calls[0],
            { type: 'function_call_output', call_id: calls[0].call_id, output: '{"temperature": -3}' }];
        const second = await client.responses.create({ model: MODEL, input, tools: [WEATHER], temperature: 0,
            max_output_tokens: 4 });
        assertResponseShape(second);
        assert.ok(second.usage.input_tokens > first.usage.input_tokens + 10,
            `${second.usage.input_tokens} input tokens after the round trip, ${first.usage.input_tokens} before`);
    });

    test('text.format json_schema: the output parses and validates', async () => {
        const res = await client.responses.create({ model: MODEL, input: 'A person, please.', temperature: 1,
            max_output_tokens: 200, text: { format: { type: 'json_schema', name: 'person', schema: PERSON, strict: true } } });
        assertResponseShape(res, { status: 'completed' });
        const value = JSON.parse(res.output_text);
        assert.deepEqual(Object.keys(value).sort(), ['age', 'name']);
        assert.equal(typeof value.name, 'string');
        assert.ok(value.name.length <= 12);
        assert.ok(Number.isInteger(value.age) && value.age >= 0 && value.age <= 120);
        assert.equal(res.text.format.type, 'json_schema');
    });

    test('previous_response_id chains turns; retrieve, delete, then 404; store:false keeps nothing', async () => {
        const first = await client.responses.create({ model: MODEL, input: 'Hello there', temperature: 0,
            max_output_tokens: 6 });
        const second = await client.responses.create({ model: MODEL, input: 'And again?', temperature: 0,
            max_output_tokens: 6, previous_response_id: first.id });
        assert.equal(second.previous_response_id, first.id);
        // The same conversation sent whole gives the same prompt.
        const whole = await client.responses.create({ model: MODEL, temperature: 0, max_output_tokens: 6, input: [
            { role: 'user', content: 'Hello there' }, { role: 'assistant', content: first.output_text },
            { role: 'user', content: 'And again?' }] });
        assert.equal(second.usage.input_tokens, whole.usage.input_tokens);
        assert.equal(second.output_text, whole.output_text);

        const got = await client.responses.retrieve(second.id);
        assert.deepEqual(got, { ...second, output_text: got.output_text });
        assert.equal(got.output_text, second.output_text);
        const deleted = await client.responses.delete(second.id);
        assert.ok(deleted === undefined || deleted === null || deleted.deleted === true, JSON.stringify(deleted));
        assertErrorResponse(await request(base, `/v1/responses/${second.id}`), 404, { code: 'not_found' });
        assertErrorResponse(await request(base, `/v1/responses/${second.id}`, { method: 'DELETE' }), 404);
        await assert.rejects(client.responses.retrieve(second.id), (e) => e instanceof OpenAI.NotFoundError);

        const unstored = await client.responses.create({ model: MODEL, input: 'hi', max_output_tokens: 2, store: false });
        assert.equal(unstored.store, false);
        assertErrorResponse(await request(base, `/v1/responses/${unstored.id}`), 404, { code: 'not_found' });
        const res = await postJson(base, '/v1/responses', { model: MODEL, input: 'hi', max_output_tokens: 2,
            previous_response_id: 'resp_unknown' });
        const err = assertErrorResponse(res, 404, { code: 'not_found' });
        assert.equal(err.param, 'previous_response_id');
    });

    test('the store is bounded: the oldest response goes first', async () => {
        const ids = [];
        for (let i = 0; i < 9; ++i) {
            ids.push((await client.responses.create({ model: MODEL, input: `n${i}`, max_output_tokens: 1 })).id);
        }
        assert.equal((await request(base, `/v1/responses/${ids[0]}`)).status, 404);
        assert.equal((await request(base, `/v1/responses/${ids[1]}`)).status, 200);
        assert.equal((await request(base, `/v1/responses/${ids[8]}`)).status, 200);
    });

    test('bad bodies are 400s in OpenAI shape naming the field', async () => {
        const cases = [
            [{ model: MODEL }, 'input'],
            [{ model: MODEL, input: 5 }, 'input'],
            [{ model: MODEL, input: [{ role: 'robot', content: 'x' }] }, 'input[0].role'],
            [{ model: MODEL, input: [{ type: 'function_call', name: 'f' }] }, 'input[0].call_id'],
            [{ model: MODEL, input: 'x', tools: [{ type: 'web_search' }] }, 'tools[0].type'],
            [{ model: MODEL, input: 'x', max_output_tokens: -1 }, 'max_output_tokens'],
            [{ model: MODEL, input: 'x', store: 'yes' }, 'store'],
        ];
        for (const [body, param] of cases) {
            const err = assertErrorResponse(await postJson(base, '/v1/responses', body), 400);
            assert.equal(err.param, param, JSON.stringify(err));
        }
        await assertAlive(base, 'the bad bodies');
    });

    test('greedy output of one conversation is identical across chat completions, responses and messages', async () => {
        const anthropic = new Anthropic({ baseURL: base, apiKey: 'anything', maxRetries: 0 });
        for (const max_tokens of [1, 24]) {
            const chat = await client.chat.completions.create({ model: MODEL, temperature: 0, max_tokens, messages: [
                { role: 'system', content: 'Answer briefly.' }, { role: 'user', content: QUESTION }] });
            const res = await client.responses.create({ model: MODEL, temperature: 0, max_output_tokens: max_tokens,
                instructions: 'Answer briefly.', input: [{ role: 'user', content: [{ type: 'input_text', text: QUESTION }] }] });
            const msg = await anthropic.messages.create({ model: MODEL, temperature: 0, max_tokens,
                system: 'Answer briefly.', messages: [{ role: 'user', content: QUESTION }] });
            const text = chat.choices[0].message.content;
            assert.equal(res.output_text, text, `responses, max_tokens ${max_tokens}`);
            assert.equal(msg.content[0].text, text, `messages, max_tokens ${max_tokens}`);
            assert.equal(res.usage.input_tokens, chat.usage.prompt_tokens);
            assert.equal(msg.usage.input_tokens, chat.usage.prompt_tokens);
            assert.equal(res.usage.output_tokens, chat.usage.completion_tokens);
        }
    });

    test('a thinking model: the chat parser\'s reasoning comes back as a reasoning item, streamed the same', async () => {
        const chat = await client.chat.completions.create({ model: 'qwq', messages: [{ role: 'user', content: QUESTION }],
            max_tokens: 12, temperature: 0 });
        const reasoning = chat.choices[0].message.reasoning_content;
        assert.ok(reasoning.length > 0, JSON.stringify(chat.choices[0].message));
        const body = { model: 'qwq', input: QUESTION, max_output_tokens: 12, temperature: 0 };
        const res = await client.responses.create(body);
        assert.equal(res.output[0].type, 'reasoning');
        assert.match(res.output[0].id, /^rs_/);
        assert.deepEqual(res.output[0].content, [{ type: 'reasoning_text', text: reasoning }]);
        assert.equal(res.output_text, chat.choices[0].message.content ?? '');
        const streamed = await client.responses.stream(body).finalResponse();
        assert.deepEqual(streamed.output.map((o) => ({ ...o, id: undefined })), res.output.map((o) => ({ ...o, id: undefined })));
    });
});
