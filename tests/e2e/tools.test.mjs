// Tool calling, structured output and reasoning through the official OpenAI SDK, on generated random-weight
// models carrying the real chat templates of three tool-calling families: Qwen2.5 (Hermes-style <tool_call>),
// Llama 3.2 (JSON calls after <|python_tag|>-less headers) and Mistral Nemo ([TOOL_CALLS]). Random weights
// say nothing sensible, so the tests force what they check: a tool whose parameters are pinned by enum/const,
// required or named, leaves the grammar exactly one call to make, which must come back as exactly that
// tool_calls entry, streamed or not; a response_format schema must hold for every seed.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { assertAlive, assertErrorResponse, openaiClient, request } from './lib/http.mjs';
import { copyFileIn, makeTempDir, mkmodel, removeTempDirs, sharedModel, startServer,
    stopAllServers } from './lib/server.mjs';

const FAMILIES = [
    { model: 'qwen', preset: 'tiny-qwen2' },
    { model: 'llama', preset: 'tiny-llama' },
    { model: 'mistral', preset: 'tiny-mistral' },
];

// Pinned parameters: the grammar leaves one possible arguments object (up to whitespace).
const WEATHER = {
    type: 'function',
    function: {
        name: 'get_weather',
        description: 'Current weather in a city',
        parameters: {
            type: 'object',
            properties: { city: { type: 'string', enum: ['Oslo'] }, unit: { const: 'celsius' } },
            required: ['city', 'unit'],
            additionalProperties: false,
        },
    },
};
const WEATHER_ARGS = { city: 'Oslo', unit: 'celsius' };
const TIME = {
    type: 'function',
    function: {
        name: 'get_time',
        description: 'Current time in a time zone',
        parameters: { type: 'object', properties: { zone: { const: 'UTC' } }, required: ['zone'],
            additionalProperties: false },
    },
};
const TIME_ARGS = { zone: 'UTC' };
const USER = [{ role: 'user', content: 'What is the weather in Oslo?' }];
const GREEDY = { temperature: 0, max_tokens: 160 };

// Every chunk of a chat stream folded into one message, with OpenAI's streaming rules checked on the way:
// a call's index, id, type and name come once (in its first delta), arguments come in fragments.
async function collect(stream) {
    const message = { role: undefined, content: '', reasoning_content: '', tool_calls: [] };
    let finish = null;
    for await (const chunk of stream) {
        assert.equal(chunk.object, 'chat.completion.chunk');
        for (const choice of chunk.choices) {
            const delta = choice.delta;
            message.role = delta.role ?? message.role;
            message.content += delta.content ?? '';
            message.reasoning_content += delta.reasoning_content ?? '';
            for (const call of delta.tool_calls ?? []) {
                const known = message.tool_calls[call.index];
                if (known === undefined) {
                    assert.equal(call.index, message.tool_calls.length, 'calls open in index order');
                    assert.equal(call.type, 'function');
                    assert.ok(call.id && call.function.name, `first delta of a call: ${JSON.stringify(call)}`);
                    message.tool_calls.push({ id: call.id, type: call.type,
                        function: { name: call.function.name, arguments: call.function.arguments ?? '' } });
                } else {
                    assert.equal(call.id, undefined, 'a call id is sent once');
                    assert.equal(call.function.name, undefined, 'a call name is sent once');
                    known.function.arguments += call.function.arguments ?? '';
                }
            }
            finish = choice.finish_reason ?? finish;
        }
    }
    return { message, finish };
}

// The streamed message equals the whole one (ids aside: each response names its calls anew).
function assertSameMessage(streamed, whole, what) {
    assert.equal(streamed.role, 'assistant', what);
    assert.equal(streamed.content, whole.content ?? '', `${what}: content`);
    assert.equal(streamed.reasoning_content, whole.reasoning_content ?? '', `${what}: reasoning_content`);
    const strip = (calls) => (calls ?? []).map((c) => ({ type: c.type, function: c.function }));
    assert.deepEqual(strip(streamed.tool_calls), strip(whole.tool_calls), `${what}: tool_calls`);
}

function assertOneCall(message, name, args, what) {
    assert.equal(message.tool_calls?.length, 1, `${what}: ${JSON.stringify(message)}`);
    const call = message.tool_calls[0];
    assert.equal(call.type, 'function');
    assert.match(call.id, /^\S+$/);
    assert.equal(call.function.name, name, what);
    assert.deepEqual(JSON.parse(call.function.arguments), args, `${what}: arguments ${call.function.arguments}`);
}

// The JSON-schema subset the structured-output tests use.
function validate(value, schema, at = '$') {
    const fail = (why) => assert.fail(`${at}: ${why} (${JSON.stringify(value)})`);
    if (schema.enum && !schema.enum.some((v) => JSON.stringify(v) === JSON.stringify(value))) {
        fail('not in enum');
    }
    switch (schema.type) {
        case 'object': {
            if (typeof value !== 'object' || value === null || Array.isArray(value)) {
                fail('not an object');
            }
            for (const key of schema.required ?? []) {
                if (!(key in value)) {
                    fail(`missing ${key}`);
                }
            }
            for (const [key, item] of Object.entries(value)) {
                const sub = schema.properties?.[key];
                if (sub === undefined) {
                    if (schema.additionalProperties === false) {
                        fail(`unexpected ${key}`);
                    }
                } else {
                    validate(item, sub, `${at}.${key}`);
                }
            }
            break;
        }
        case 'array':
            if (!Array.isArray(value)) {
                fail('not an array');
            }
            if (schema.maxItems !== undefined && value.length > schema.maxItems) {
                fail('too many items');
            }
            value.forEach((item, i) => validate(item, schema.items ?? {}, `${at}[${i}]`));
            break;
        case 'string':
            if (typeof value !== 'string' || (schema.maxLength !== undefined && [...value].length > schema.maxLength)) {
                fail('not a string of the allowed length');
            }
            break;
        case 'integer':
            if (!Number.isInteger(value) || value < (schema.minimum ?? -Infinity) || value > (schema.maximum ?? Infinity)) {
                fail('not an integer in range');
            }
            break;
        case 'boolean':
            if (typeof value !== 'boolean') {
                fail('not a boolean');
            }
            break;
        default:
            break;
    }
}

const PERSON = {
    type: 'object',
    properties: {
        name: { type: 'string', maxLength: 10 },
        age: { type: 'integer', minimum: 0, maximum: 120 },
        admin: { type: 'boolean' },
        tags: { type: 'array', items: { type: 'string', enum: ['red', 'green'] }, maxItems: 3 },
    },
    required: ['name', 'age', 'admin', 'tags'],
    additionalProperties: false,
};

describe('tool calling and structured output', () => {
    let base;
    let client;

    before(async () => {
        const dir = await makeTempDir('tools');
        for (const { model, preset } of FAMILIES) {
            await mkmodel(preset, path.join(dir, `${model}.gguf`));
        }
        await mkmodel('tiny-qwen3', path.join(dir, 'qwen3.gguf'));
        // Untied: with tied embeddings a random model repeats the prompt's last token (a newline here).
        await mkmodel('tiny-qwq', path.join(dir, 'qwq.gguf'), { untied: true });
        // A plain ChatML template: no tool-call format at all.
        await copyFileIn(dir, 'chatml.gguf', sharedModel('stories260K/stories260K-q8_0-chatml.gguf'));
        const server = await startServer({ modelsDir: dir, args: ['--threads', '1'] });
        base = server.baseURL;
        client = openaiClient(base);
    });
    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    for (const { model } of FAMILIES) {
        test(`${model}: the template renders the tools into the prompt`, async () => {
            const plain = await client.chat.completions.create({ model, messages: USER, max_tokens: 1 });
            const tools = await client.chat.completions.create({ model, messages: USER, max_tokens: 1,
                tools: [WEATHER, TIME], tool_choice: 'none' });
            // Two tool definitions with their schemas and descriptions: dozens of tokens at least.
            assert.ok(tools.usage.prompt_tokens > plain.usage.prompt_tokens + 40,
                `${tools.usage.prompt_tokens} prompt tokens with tools, ${plain.usage.prompt_tokens} without`);
        });

        test(`${model}: tool_choice required forces the one possible call, streamed and not`, async () => {
            const body = { model, messages: USER, tools: [WEATHER], tool_choice: 'required',
                parallel_tool_calls: false, ...GREEDY };
            const whole = await client.chat.completions.create(body);
            const choice = whole.choices[0];
            assertOneCall(choice.message, 'get_weather', WEATHER_ARGS, `${model} required`);
            assert.equal(choice.finish_reason, 'tool_calls');
            assert.ok(choice.message.content === null || choice.message.content === '', JSON.stringify(choice.message));

            const streamed = await collect(await client.chat.completions.create({ ...body, stream: true }));
            assert.equal(streamed.finish, 'tool_calls');
            assertSameMessage(streamed.message, choice.message, `${model} required, streamed`);
        });

        test(`${model}: a named tool_choice calls that tool among several`, async () => {
            const body = { model, messages: USER, tools: [WEATHER, TIME], parallel_tool_calls: false,
                tool_choice: { type: 'function', function: { name: 'get_time' } }, ...GREEDY };
            const whole = await client.chat.completions.create(body);
            assertOneCall(whole.choices[0].message, 'get_time', TIME_ARGS, `${model} named`);
            assert.equal(whole.choices[0].finish_reason, 'tool_calls');
            const streamed = await collect(await client.chat.completions.create({ ...body, stream: true }));
            assertSameMessage(streamed.message, whole.choices[0].message, `${model} named, streamed`);
        });

        test(`${model}: the SDK's typed helpers accept the calls`, async () => {
            const strict = { ...WEATHER, function: { ...WEATHER.function, strict: true } };
            const body = { model, messages: USER, tools: [strict], tool_choice: 'required', parallel_tool_calls: false,
                ...GREEDY };
            // parse(): validates the response and parses every strict tool's arguments.
            const parsed = await client.chat.completions.parse(body);
            assert.deepEqual(parsed.choices[0].message.tool_calls[0].function.parsed_arguments, WEATHER_ARGS);
            // stream(): the SDK's own accumulator of tool-call deltas.
            const runner = client.chat.completions.stream(body);
            const events = [];
            runner.on('tool_calls.function.arguments.done', (e) => events.push(e));
            const final = await runner.finalChatCompletion();
            assertOneCall(final.choices[0].message, 'get_weather', WEATHER_ARGS, `${model} SDK stream`);
            assert.equal(final.choices[0].finish_reason, 'tool_calls');
            assert.equal(events.length, 1);
            assert.deepEqual(events[0].parsed_arguments, WEATHER_ARGS);
        });

        test(`${model}: a tool round trip renders the call and its result back`, async () => {
            const first = await client.chat.completions.create({ model, messages: USER, tools: [WEATHER],
                tool_choice: 'required', parallel_tool_calls: false, ...GREEDY });
            const call = first.choices[0].message.tool_calls[0];
            // The ids hearth hands out are ones every template accepts back (Mistral's wants 9 alphanumerics).
            assert.match(call.id, /^[A-Za-z0-9]{9}$/);
            const messages = [...USER,
                { role: 'assistant', content: null, tool_calls: [call] },
                { role: 'tool', tool_call_id: call.id, content: '{"temperature": -3}' }];
            const second = await client.chat.completions.create({ model, messages, tools: [WEATHER], max_tokens: 4,
                temperature: 0 });
            assert.ok(second.usage.prompt_tokens > first.usage.prompt_tokens + 10,
                `${second.usage.prompt_tokens} prompt tokens after the round trip, ${first.usage.prompt_tokens} before`);
            const again = await client.chat.completions.create({ model, messages, tools: [WEATHER], max_tokens: 4,
                temperature: 0, stream: true });
            const streamed = await collect(again);
            assertSameMessage(streamed.message, second.choices[0].message, `${model} after the round trip`);
        });
    }

    test('tool_choice auto leaves a random model free: whatever it says parses, streamed equals whole', async () => {
        for (const { model } of FAMILIES) {
            const body = { model, messages: USER, tools: [WEATHER, TIME], tool_choice: 'auto', temperature: 0,
                max_tokens: 24 };
            const whole = await client.chat.completions.create(body);
            assert.ok(['stop', 'length', 'tool_calls'].includes(whole.choices[0].finish_reason));
            const streamed = await collect(await client.chat.completions.create({ ...body, stream: true }));
            assert.equal(streamed.finish, whole.choices[0].finish_reason, model);
            assertSameMessage(streamed.message, whole.choices[0].message, `${model} auto`);
        }
    });

    test('json_schema: every seed gives JSON valid against the schema, streamed as the same text', async () => {
        const response_format = { type: 'json_schema', json_schema: { name: 'person', strict: true, schema: PERSON } };
        for (const { model } of FAMILIES) {
            for (const seed of [1, 2, 3]) {
                const body = { model, messages: USER, response_format, seed, temperature: 1, max_tokens: 200 };
                const res = await client.chat.completions.create(body);
                const text = res.choices[0].message.content;
                assert.equal(res.choices[0].finish_reason, 'stop', `${model} seed ${seed}: ${text}`);
                validate(JSON.parse(text), PERSON);
                if (seed === 1) {
                    const streamed = await collect(await client.chat.completions.create({ ...body, stream: true }));
                    assert.equal(streamed.message.content, text, `${model} seed ${seed}: streamed`);
                }
            }
        }
    });

    test('json_object: the output is one JSON object', async () => {
        for (const seed of [5, 6]) {
            const res = await client.chat.completions.create({ model: 'qwen', messages: USER, seed, temperature: 1,
                max_tokens: 200, response_format: { type: 'json_object' } });
            if (res.choices[0].finish_reason === 'stop') {
                const value = JSON.parse(res.choices[0].message.content);
                assert.equal(typeof value, 'object');
                assert.ok(value !== null && !Array.isArray(value));
            } else {
                // Any object is allowed, so a random model may still be writing one when max_tokens hits.
                assert.equal(res.choices[0].finish_reason, 'length');
                assert.match(res.choices[0].message.content, /^\s*\{/);
            }
        }
    });

    test('the SDK parse() helper reads a json_schema response', async () => {
        const res = await client.chat.completions.parse({ model: 'llama', messages: USER, seed: 9, temperature: 1,
            max_tokens: 200, response_format: { type: 'json_schema', json_schema: { name: 'person', strict: true,
                schema: PERSON } } });
        validate(res.choices[0].message.parsed, PERSON);
    });

    test('a schema or tool_choice that cannot be enforced is a 400 naming the problem; the server keeps serving', async () => {
        const bad = [
            { type: 'object', properties: { a: { $ref: '#/$defs/missing' } } },
            { type: 'object', properties: { a: { type: 'string', pattern: '^(ab$' } } },
            // Contradictory bounds: llama.cpp's grammar parser would exhaust memory on them.
            { type: 'object', properties: { a: { type: 'string', minLength: 5, maxLength: 2 } } },
            { type: 'array', items: { type: 'integer' }, minItems: 4, maxItems: 1 },
        ];
        for (const schema of bad) {
            const res = await request(base, '/v1/chat/completions', {
                method: 'POST', headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ model: 'qwen', messages: USER, max_tokens: 4,
                    response_format: { type: 'json_schema', json_schema: { name: 'x', schema } } }),
            });
            const err = assertErrorResponse(res, 400, { type: 'invalid_request_error' });
            assert.equal(err.param, 'response_format', err.message);
            assert.match(err.message, /schema/i, err.message);
        }
        const badTool = await request(base, '/v1/chat/completions', {
            method: 'POST', headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'qwen', messages: USER, max_tokens: 4, tool_choice: 'required',
                tools: [{ type: 'function', function: { name: 'f', parameters: bad[0] } }] }),
        });
        assert.equal(assertErrorResponse(badTool, 400).param, 'tools');
        // A template that cannot express a call cannot be made to call: 400, never unconstrained text.
        const noFormat = await request(base, '/v1/chat/completions', {
            method: 'POST', headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'chatml', messages: USER, max_tokens: 4, tools: [WEATHER],
                tool_choice: 'required' }),
        });
        assert.equal(assertErrorResponse(noFormat, 400).param, 'tool_choice');
        await assertAlive(base);
    });

    test('qwq: the thinking the template opens is reasoning_content, streamed as such', async () => {
        const body = { model: 'qwq', messages: USER, max_tokens: 12, temperature: 0 };
        const whole = await client.chat.completions.create(body);
        const message = whole.choices[0].message;
        assert.ok(message.reasoning_content.length > 0, JSON.stringify(message));
        assert.equal(message.content, '', 'no </think>: nothing is the answer yet');
        assert.equal(whole.choices[0].finish_reason, 'length');
        const streamed = await collect(await client.chat.completions.create({ ...body, stream: true }));
        assertSameMessage(streamed.message, message, 'qwq streamed');
        // reasoning_format none (llama-server's switch) leaves the thinking in the content.
        const inline = await client.chat.completions.create({ ...body, reasoning_format: 'none' });
        assert.equal(inline.choices[0].message.reasoning_content, undefined);
        assert.ok(inline.choices[0].message.content.length > 0);
    });

    test('qwen3: thinking switched off renders the empty think block and the answer is content', async () => {
        const body = { model: 'qwen3', messages: USER, max_tokens: 8, temperature: 0,
            chat_template_kwargs: { enable_thinking: false } };
        const whole = await client.chat.completions.create(body);
        assert.equal(whole.choices[0].message.reasoning_content, undefined);
        const streamed = await collect(await client.chat.completions.create({ ...body, stream: true }));
        assertSameMessage(streamed.message, whole.choices[0].message, 'qwen3 without thinking');
    });
});
