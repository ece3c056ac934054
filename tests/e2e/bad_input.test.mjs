// The bad-input matrix: every class of hostile or broken input, sent to every endpoint, is a 4xx with the
// OpenAI error envelope, and the server answers GET /health right after each one.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import path from 'node:path';

import { assertAlive, assertErrorResponse, openRaw, rawExchange, request, sleep } from './lib/http.mjs';
import { makeTempDir, mkmodel, removeTempDirs, startServer, stopAllServers } from './lib/server.mjs';

const MODEL = 'tiny';
const CHAT = { model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 };
const TEXT = { model: MODEL, prompt: 'hi', max_tokens: 2 };
const EMBED = { model: 'bert', input: ['hello', 'world'] };
const RERANK = { model: 'rerank', query: 'q', documents: ['a', 'b'] };
const MESSAGES = { model: MODEL, max_tokens: 2, messages: [{ role: 'user', content: 'hi' }] };
const RESPONSES = { model: MODEL, input: 'hi', max_output_tokens: 2 };
const SPEECH = { model: 'flite', input: 'Hi.', voice: 'alloy', response_format: 'pcm' };

const deep = (n) => '['.repeat(n) + ']'.repeat(n);
const BAD = [400, 'invalid_argument'];

// Classes every JSON endpoint refuses: [name, body (string or Buffer) from the valid object, status, code].
function commonCases(valid) {
    const json = JSON.stringify(valid);
    const field = (extra) => JSON.stringify({ ...valid, ...extra });
    return [
        ['malformed JSON', json.slice(0, -3), ...BAD],
        ['not an object', '[1,2,3]', ...BAD],
        ['empty body', '', ...BAD],
        ['invalid UTF-8 in a string', Buffer.concat([Buffer.from(json.slice(0, -1) + ',"user":"a'),
            Buffer.from([0xff, 0xfe, 0x22]), Buffer.from('}')]), ...BAD],
        ['invalid UTF-8 in a key', Buffer.concat([Buffer.from('{"'), Buffer.from([0xc3, 0x28]),
            Buffer.from(`":1,${json.slice(1)}`)]), ...BAD],
        ['model of the wrong type', field({ model: 5 }), ...BAD],
        ['NaN-like number', json.slice(0, -1) + ',"x":NaN}', ...BAD],
        ['nesting too deep', json.slice(0, -1) + `,"x":${deep(100)}}`, ...BAD],
        ['unknown model', field({ model: 'no-such-model' }), 404, 'model_not_found'],
    ];
}

function generationCases(valid) {
    const json = JSON.stringify(valid);
    const field = (extra) => JSON.stringify({ ...valid, ...extra });
    return [
        ...commonCases(valid),
        ['max_tokens of the wrong type', field({ max_tokens: 'ten' }), ...BAD],
        ['stream of the wrong type', field({ stream: 'yes' }), ...BAD],
        ['stop of the wrong type', field({ stop: 5 }), ...BAD],
        ['negative max_tokens', field({ max_tokens: -1 }), ...BAD],
        ['negative n', field({ n: -1 }), ...BAD],
        ['negative top_k', field({ top_k: -3 }), ...BAD],
        ['negative temperature', field({ temperature: -1 }), ...BAD],
        ['huge n', field({ n: 1e9 }), ...BAD],
        ['huge max_tokens', field({ max_tokens: 1e12 }), 400, 'context_length_exceeded'],
        ['huge integer beyond int64', json.slice(0, -1) + ',"seed":123456789012345678901234567890}', ...BAD],
        ['huge top_logprobs', field({ logprobs: true, top_logprobs: 1000 }), ...BAD],
    ];
}

// Anthropic's Messages API: its own required fields and block shapes (errors in Anthropic's envelope).
function messagesCases(valid) {
    const field = (extra) => JSON.stringify({ ...valid, ...extra });
    const { max_tokens: _, ...noMax } = valid;
    return [
        ...commonCases(valid),
        ['max_tokens missing', JSON.stringify(noMax), ...BAD],
        ['max_tokens of the wrong type', field({ max_tokens: 'ten' }), ...BAD],
        ['negative max_tokens', field({ max_tokens: -1 }), ...BAD],
        ['huge max_tokens', field({ max_tokens: 1e12 }), 400, 'context_length_exceeded'],
        ['stream of the wrong type', field({ stream: 'yes' }), ...BAD],
        ['stop_sequences of the wrong type', field({ stop_sequences: 5 }), ...BAD],
        ['temperature above 1', field({ temperature: 1.5 }), ...BAD],
        ['messages of the wrong type', field({ messages: 'hi' }), ...BAD],
        ['a system role in messages', field({ messages: [{ role: 'system', content: 'x' }] }), ...BAD],
        ['a block without type', field({ messages: [{ role: 'user', content: [{ text: 'x' }] }] }), ...BAD],
        ['an image without source', field({ messages: [{ role: 'user', content: [{ type: 'image' }] }] }), ...BAD],
        ['a tool without input_schema', field({ tools: [{ name: 'f' }] }), ...BAD],
        ['tool_choice of the wrong type', field({ tool_choice: 'auto' }), ...BAD],
    ];
}

// OpenAI's Responses API: input items, its own field names, and previous_response_id against the store.
function responsesCases(valid) {
    const field = (extra) => JSON.stringify({ ...valid, ...extra });
    return [
        ...commonCases(valid),
        ['input missing', JSON.stringify({ model: MODEL }), ...BAD],
        ['input of the wrong type', field({ input: 5 }), ...BAD],
        ['an item of an unknown type', field({ input: [{ type: 'web_search_call' }] }), 400, 'unsupported'],
        ['a function_call without call_id', field({ input: [{ type: 'function_call', name: 'f' }] }), ...BAD],
        ['max_output_tokens of the wrong type', field({ max_output_tokens: 'ten' }), ...BAD],
        ['negative max_output_tokens', field({ max_output_tokens: -1 }), ...BAD],
        ['huge max_output_tokens', field({ max_output_tokens: 1e12 }), 400, 'context_length_exceeded'],
        ['stream of the wrong type', field({ stream: 'yes' }), ...BAD],
        ['store of the wrong type', field({ store: 1 }), ...BAD],
        ['text.format of the wrong type', field({ text: { format: 5 } }), ...BAD],
        ['unknown previous_response_id', field({ previous_response_id: 'resp_nope' }), 404, 'not_found'],
    ];
}

function embeddingCases(valid) {
    const field = (extra) => JSON.stringify({ ...valid, ...extra });
    return [
        ...commonCases(valid),
        ['input of the wrong type', field({ input: 5 }), ...BAD],
        ['input of mixed types', field({ input: ['a', 5] }), ...BAD],
        ['encoding_format of the wrong type', field({ encoding_format: 7 }), ...BAD],
        ['negative dimensions', field({ dimensions: -1 }), ...BAD],
        ['huge dimensions', field({ dimensions: 1e9 }), ...BAD],
        ['too many inputs', field({ input: Array(5000).fill('x') }), ...BAD],
    ];
}

function rerankCases(valid) {
    const field = (extra) => JSON.stringify({ ...valid, ...extra });
    return [
        ...commonCases(valid),
        ['query of the wrong type', field({ query: 5 }), ...BAD],
        ['documents of the wrong type', field({ documents: 'a' }), ...BAD],
        ['negative top_n', field({ top_n: -1 }), ...BAD],
        ['too many documents', field({ documents: Array(5000).fill('x') }), ...BAD],
    ];
}

function speechCases(valid) {
    const field = (extra) => JSON.stringify({ ...valid, ...extra });
    return [
        ...commonCases(valid),
        ['input of the wrong type', field({ input: 5 }), ...BAD],
        ['empty input', field({ input: '' }), ...BAD],
        ['input over 4096 characters', field({ input: 'a'.repeat(4097) }), ...BAD],
        ['input with nothing to say', field({ input: '?! ... --' }), ...BAD],
        ['unknown voice', field({ voice: 'no-such-voice' }), ...BAD],
        ['voice of the wrong type', field({ voice: 7 }), ...BAD],
        ['voice object without id', field({ voice: { name: 'x' } }), ...BAD],
        ['unknown response_format', field({ response_format: 'ogg' }), ...BAD],
        ['unknown stream_format', field({ stream_format: 'chunks' }), ...BAD],
        ['speed too low', field({ speed: 0.1 }), ...BAD],
        ['speed too high', field({ speed: 4.5 }), ...BAD],
        ['speed of the wrong type', field({ speed: 'fast' }), ...BAD],
        ['a model of another kind', field({ model: MODEL }), 400, 'unsupported'],
    ];
}

// One second of silence, 16 kHz mono 16-bit PCM WAV.
function wav() {
    const samples = 16000;
    const buf = Buffer.alloc(44 + samples * 2);
    buf.write('RIFF', 0);
    buf.writeUInt32LE(36 + samples * 2, 4);
    buf.write('WAVEfmt ', 8);
    buf.writeUInt32LE(16, 16);
    buf.writeUInt16LE(1, 20);
    buf.writeUInt16LE(1, 22);
    buf.writeUInt32LE(16000, 24);
    buf.writeUInt32LE(32000, 28);
    buf.writeUInt16LE(2, 32);
    buf.writeUInt16LE(16, 34);
    buf.write('data', 36);
    buf.writeUInt32LE(samples * 2, 40);
    return buf;
}

const BOUNDARY = 'hearth-matrix';
const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;

// A multipart/form-data body: `fields` (name -> string or Buffer) then, unless null, the file part.
function multipart(fields, file = wav()) {
    const parts = Object.entries(fields).map(([name, value]) => Buffer.concat([
        Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`),
        Buffer.from(value), Buffer.from('\r\n')]));
    if (file !== null) {
        parts.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n` +
            'Content-Type: audio/wav\r\n\r\n'), file, Buffer.from('\r\n'));
    }
    parts.push(Buffer.from(`--${BOUNDARY}--\r\n`));
    return Buffer.concat(parts);
}

// Audio uploads: [name, body, status, code, content type].
function audioCases() {
    const model = { model: 'whisper' };
    return [
        ['JSON instead of a form', JSON.stringify(model), ...BAD, 'application/json'],
        ['no boundary', multipart(model), ...BAD, 'multipart/form-data'],
        ['empty body', '', ...BAD, MULTIPART],
        ['unterminated form', multipart(model).subarray(0, 60), ...BAD, MULTIPART],
        ['no file part', multipart(model, null), ...BAD, MULTIPART],
        ['no model part', multipart({}), ...BAD, MULTIPART],
        ['invalid UTF-8 in a field', multipart({ model: Buffer.from([0x77, 0xff, 0xfe]) }), ...BAD, MULTIPART],
        ['unknown response_format', multipart({ ...model, response_format: 'xml' }), ...BAD, MULTIPART],
        ['negative temperature', multipart({ ...model, temperature: '-1' }), ...BAD, MULTIPART],
        ['temperature not a number', multipart({ ...model, temperature: 'hot' }), ...BAD, MULTIPART],
        ['a file that is not audio', multipart(model, Buffer.from('not audio at all')), ...BAD, MULTIPART],
        ['an upload over --max-upload-mb', multipart(model, Buffer.alloc(1100 * 1024)), 413, 'payload_too_large',
            MULTIPART],
        ['unknown model', multipart({ model: 'no-such-model' }), 404, 'model_not_found', MULTIPART],
    ];
}

// Anthropic's envelope {"type":"error","error":{"type","message"}}; `code` is hearth's, mapped to its type.
function assertAnthropicError(res, status, code, what) {
    const types = { invalid_argument: 'invalid_request_error', context_length_exceeded: 'invalid_request_error',
        model_not_found: 'not_found_error', payload_too_large: 'request_too_large',
        unauthenticated: 'authentication_error' };
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/, what);
    assert.deepEqual(Object.keys(res.json ?? {}), ['type', 'error'], `${what}: ${res.text}`);
    assert.equal(res.json.type, 'error', what);
    assert.deepEqual(Object.keys(res.json.error), ['type', 'message'], what);
    assert.equal(res.json.error.type, types[code], `${what}: ${res.text}`);
    assert.ok(res.json.error.message.length > 0, what);
    return res.json.error;
}

// Endpoints taking a body, with a valid one and their cases each (new POST endpoints join this list).
const POST_ENDPOINTS = [
    { path: '/v1/chat/completions', valid: CHAT, cases: generationCases },
    { path: '/v1/completions', valid: TEXT, cases: generationCases },
    { path: '/v1/embeddings', valid: EMBED, cases: embeddingCases },
    { path: '/v1/rerank', valid: RERANK, cases: rerankCases },
    { path: '/v1/audio/transcriptions', valid: multipart({ model: 'whisper' }), type: MULTIPART, cases: audioCases },
    { path: '/v1/audio/translations', valid: multipart({ model: 'whisper' }), type: MULTIPART, cases: audioCases },
    { path: '/v1/audio/speech', valid: SPEECH, cases: speechCases },
    { path: '/v1/messages', valid: MESSAGES, cases: messagesCases, anthropic: true },
    { path: '/v1/messages/count_tokens', valid: MESSAGES, cases: commonCases, anthropic: true },
    { path: '/v1/responses', valid: RESPONSES, cases: responsesCases },
    { path: '/v3/chat/completions', valid: CHAT, cases: generationCases },
    { path: '/v3/completions', valid: TEXT, cases: generationCases },
    { path: '/v3/embeddings', valid: EMBED, cases: embeddingCases },
    { path: '/v3/rerank', valid: RERANK, cases: rerankCases },
];
const bodyOf = (valid) => (Buffer.isBuffer(valid) ? valid : JSON.stringify(valid));
const GET_ENDPOINTS = ['/v1/models', `/v1/models/${MODEL}`, '/metrics', '/v1/audio/voices', '/v1/config', '/v3/models',
    `/v3/models/${MODEL}`];

describe('bad-input matrix', () => {
    let server;
    let base;

    before(async () => {
        const dir = await makeTempDir('matrix');
        await mkmodel('tiny-qwen3', path.join(dir, `${MODEL}.gguf`));  // f16, with a chat template
        await mkmodel('tiny-bert', path.join(dir, 'bert.gguf'));
        await mkmodel('tiny-rerank', path.join(dir, 'rerank.gguf'));
        await mkmodel('tiny-whisper', path.join(dir, 'whisper.bin'));
        server = await startServer({ modelsDir: dir,
            args: ['--threads', '1', '--read-timeout', '2', '--max-upload-mb', '1'], builtinVoice: true });
        base = server.baseURL;
    });

    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    for (const { path: p, valid, type = 'application/json', cases, anthropic = false } of POST_ENDPOINTS) {
        test(`POST ${p}: every body class is a 4xx error envelope`, async () => {
            const ok = await request(base, p, { method: 'POST', body: bodyOf(valid), headers: { 'content-type': type } });
            assert.equal(ok.status, 200, `the valid body: ${ok.text}`);
            for (const [name, body, status, code, contentType = type] of cases(valid)) {
                const res = await request(base, p, { method: 'POST', body,
                    headers: { 'content-type': contentType } });
                assert.equal(res.status, status, `${p}: ${name}: ${res.text.slice(0, 300)}`);
                const err = anthropic ? assertAnthropicError(res, status, code, `${p}: ${name}`)
                    : assertErrorResponse(res, status, { code, what: `${p}: ${name}` });
                assert.doesNotMatch(err.message, /[\uFFFD]{3,}/, `${p}: ${name}: message`);
                await assertAlive(base, `${p}: ${name}`);
            }
        });
    }

    test('GET endpoints: invalid UTF-8 and bad encodings in the path are 400, unknown ids 404', async () => {
        for (const [p, status] of [['/v1/models/%FF%FE', 400], ['/v1/models/%C3%28', 400], ['/v1/models/%zz', 400],
            ['/v1/models/no-such-model', 404], ['/metrics/%FF', 404], ['/v1/responses/%FF', 400],
            ['/v1/responses/resp_nope', 404]]) {
            const res = await request(base, p);
            assertErrorResponse(res, status, { what: p });
            await assertAlive(base, p);
        }
    });

    test('every endpoint: an oversize body is 413 and the connection closes', async () => {
        const anthropic = POST_ENDPOINTS.filter((e) => e.anthropic).map((e) => e.path);
        for (const p of [...POST_ENDPOINTS.map((e) => e.path), ...GET_ENDPOINTS]) {
            const method = GET_ENDPOINTS.includes(p) ? 'GET' : 'POST';
            const head = `${method} ${p} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
                         'Content-Length: 33554433\r\n\r\n';
            const { responses, conn } = await rawExchange(server.port, head);
            conn.socket.destroy();
            assert.equal(responses.length, 1, `${p}: ${conn.received().toString()}`);
            assert.equal(responses[0].status, 413, p);
            if (anthropic.includes(p)) {  // in the shape of the route's clients
                assert.equal(responses[0].json?.type, 'error', p);
                assert.equal(responses[0].json?.error?.type, 'request_too_large', p);
            } else {
                assert.equal(responses[0].json?.error?.code, 'payload_too_large', p);
            }
            await assertAlive(base, `${p}: 413`);
        }
    });

    test('every endpoint: a slow-loris connection is dropped at the read timeout, others are served', async () => {
        const endpoints = [...POST_ENDPOINTS.map((e) => e.path), ...GET_ENDPOINTS];
        const conns = await Promise.all(endpoints.map(() => openRaw(server.port)));
        const started = Date.now();
        // A header byte every 300 ms: each connection stays "active", never completes a request.
        const drip = setInterval(() => {
            for (const c of conns) {
                if (!c.events.close) {
                    c.socket.write('X');
                }
            }
        }, 300);
        endpoints.forEach((p, i) => conns[i].socket.write(`POST ${p} HTTP/1.1\r\nHost: x\r\nX-Slow: `));
        try {
            await assertAlive(base, 'slow clients connected');
            const closed = await Promise.all(conns.map((c) => c.waitFor(() => c.events.close, 6_000)));
            assert.ok(closed.every(Boolean), 'every slow connection was dropped');
            assert.ok(Date.now() - started < 6_000);
        } finally {
            clearInterval(drip);
            conns.forEach((c) => c.socket.destroy());
        }
        await assertAlive(base, 'the slow clients');
    });
});

describe('bad-input matrix: authentication', () => {
    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    test('every endpoint: a missing or wrong key is 401, the health check stays open', async () => {
        const dir = await makeTempDir('matrix-auth');
        await mkmodel('tiny-qwen3', path.join(dir, `${MODEL}.gguf`));  // f16, with a chat template
        await mkmodel('tiny-bert', path.join(dir, 'bert.gguf'));
        await mkmodel('tiny-rerank', path.join(dir, 'rerank.gguf'));
        await mkmodel('tiny-whisper', path.join(dir, 'whisper.bin'));
        const server = await startServer({ modelsDir: dir, args: ['--api-key', 'sk-matrix'], builtinVoice: true });
        const endpoints = [...POST_ENDPOINTS.map((e) => ['POST', e.path, e.valid, e.type ?? 'application/json',
            e.anthropic]), ...GET_ENDPOINTS.map((p) => ['GET', p, undefined, 'application/json', false])];
        for (const [method, p, valid, type, anthropic] of endpoints) {
            const body = valid ? bodyOf(valid) : undefined;
            // Refused: no key, a wrong one in either header (OpenAI's SDKs send a Bearer, Anthropic's x-api-key).
            for (const key of [{}, { authorization: 'Bearer sk-wrong' }, { 'x-api-key': 'sk-wrong' }]) {
                const what = `${method} ${p} ${JSON.stringify(key)}`;
                const res = await request(server.baseURL, p, { method, body,
                    headers: { 'content-type': type, ...key } });
                if (anthropic) {
                    assert.equal(res.status, 401, what);
                    assertAnthropicError(res, 401, 'unauthenticated', what);
                } else {
                    assertErrorResponse(res, 401, { code: 'unauthenticated', what });
                }
                await assertAlive(server.baseURL, what);
            }
            for (const key of [{ authorization: 'Bearer sk-matrix' }, { 'x-api-key': 'sk-matrix' }]) {
                const res = await request(server.baseURL, p, { method, body, headers: { 'content-type': type, ...key } });
                assert.equal(res.status, 200, `${method} ${p} with the key ${JSON.stringify(key)}: ${res.text}`);
            }
        }
        await sleep(0);
    });
});
