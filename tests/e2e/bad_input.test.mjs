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

// Endpoints taking a JSON body, with a valid body each (new POST endpoints join this list).
const POST_ENDPOINTS = [
    { path: '/v1/chat/completions', valid: CHAT },
    { path: '/v1/completions', valid: TEXT },
];
const GET_ENDPOINTS = ['/v1/models', `/v1/models/${MODEL}`, '/metrics'];

const deep = (n) => '['.repeat(n) + ']'.repeat(n);

// Body classes: [name, body (string or Buffer) from the valid object, expected status, expected code].
function bodyCases(valid) {
    const json = JSON.stringify(valid);
    const field = (extra) => JSON.stringify({ ...valid, ...extra });
    return [
        ['malformed JSON', json.slice(0, -3), 400, 'invalid_argument'],
        ['not an object', '[1,2,3]', 400, 'invalid_argument'],
        ['empty body', '', 400, 'invalid_argument'],
        ['invalid UTF-8 in a string', Buffer.concat([Buffer.from(json.slice(0, -1) + ',"user":"a'),
            Buffer.from([0xff, 0xfe, 0x22]), Buffer.from('}')]), 400, 'invalid_argument'],
        ['invalid UTF-8 in a key', Buffer.concat([Buffer.from('{"'), Buffer.from([0xc3, 0x28]),
            Buffer.from(`":1,${json.slice(1)}`)]), 400, 'invalid_argument'],
        ['model of the wrong type', field({ model: 5 }), 400, 'invalid_argument'],
        ['max_tokens of the wrong type', field({ max_tokens: 'ten' }), 400, 'invalid_argument'],
        ['stream of the wrong type', field({ stream: 'yes' }), 400, 'invalid_argument'],
        ['stop of the wrong type', field({ stop: 5 }), 400, 'invalid_argument'],
        ['negative max_tokens', field({ max_tokens: -1 }), 400, 'invalid_argument'],
        ['negative n', field({ n: -1 }), 400, 'invalid_argument'],
        ['negative top_k', field({ top_k: -3 }), 400, 'invalid_argument'],
        ['negative temperature', field({ temperature: -1 }), 400, 'invalid_argument'],
        ['huge n', field({ n: 1e9 }), 400, 'invalid_argument'],
        ['huge max_tokens', field({ max_tokens: 1e12 }), 400, 'context_length_exceeded'],
        ['huge integer beyond int64', json.slice(0, -1) + ',"seed":123456789012345678901234567890}', 400,
            'invalid_argument'],
        ['huge top_logprobs', field({ logprobs: true, top_logprobs: 1000 }), 400, 'invalid_argument'],
        ['NaN-like number', json.slice(0, -1) + ',"temperature":NaN}', 400, 'invalid_argument'],
        ['nesting too deep', json.slice(0, -1) + `,"x":${deep(100)}}`, 400, 'invalid_argument'],
        ['unknown model', field({ model: 'no-such-model' }), 404, 'model_not_found'],
    ];
}

describe('bad-input matrix', () => {
    let server;
    let base;

    before(async () => {
        const dir = await makeTempDir('matrix');
        await mkmodel('tiny-qwen3', path.join(dir, `${MODEL}.gguf`));  // f16, with a chat template
        server = await startServer({ modelsDir: dir, args: ['--threads', '1', '--read-timeout', '2'] });
        base = server.baseURL;
    });

    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    for (const { path: p, valid } of POST_ENDPOINTS) {
        test(`POST ${p}: every body class is a 4xx error envelope`, async () => {
            const ok = await request(base, p, { method: 'POST', body: JSON.stringify(valid),
                headers: { 'content-type': 'application/json' } });
            assert.equal(ok.status, 200, `the valid body: ${ok.text}`);
            for (const [name, body, status, code] of bodyCases(valid)) {
                const res = await request(base, p, { method: 'POST', body,
                    headers: { 'content-type': 'application/json' } });
                assert.equal(res.status, status, `${p}: ${name}: ${res.text.slice(0, 300)}`);
                const err = assertErrorResponse(res, status, { code, what: `${p}: ${name}` });
                assert.doesNotMatch(err.message, /[\uFFFD]{3,}/, `${p}: ${name}: message`);
                await assertAlive(base, `${p}: ${name}`);
            }
        });
    }

    test('GET endpoints: invalid UTF-8 and bad encodings in the path are 400, unknown ids 404', async () => {
        for (const [p, status] of [['/v1/models/%FF%FE', 400], ['/v1/models/%C3%28', 400], ['/v1/models/%zz', 400],
            ['/v1/models/no-such-model', 404], ['/metrics/%FF', 404]]) {
            const res = await request(base, p);
            assertErrorResponse(res, status, { what: p });
            await assertAlive(base, p);
        }
    });

    test('every endpoint: an oversize body is 413 and the connection closes', async () => {
        for (const p of [...POST_ENDPOINTS.map((e) => e.path), ...GET_ENDPOINTS]) {
            const method = GET_ENDPOINTS.includes(p) ? 'GET' : 'POST';
            const head = `${method} ${p} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
                         'Content-Length: 33554433\r\n\r\n';
            const { responses, conn } = await rawExchange(server.port, head);
            conn.socket.destroy();
            assert.equal(responses.length, 1, `${p}: ${conn.received().toString()}`);
            assert.equal(responses[0].status, 413, p);
            assert.equal(responses[0].json?.error?.code, 'payload_too_large', p);
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
        const server = await startServer({ modelsDir: dir, args: ['--api-key', 'sk-matrix'] });
        const endpoints = [...POST_ENDPOINTS.map((e) => ['POST', e.path, e.valid]),
            ...GET_ENDPOINTS.map((p) => ['GET', p])];
        for (const [method, p, valid] of endpoints) {
            for (const authorization of [undefined, 'Bearer sk-wrong']) {
                const headers = { 'content-type': 'application/json' };
                if (authorization) {
                    headers.authorization = authorization;
                }
                const res = await request(server.baseURL, p, { method, headers,
                    body: valid ? JSON.stringify(valid) : undefined });
                assertErrorResponse(res, 401, { code: 'unauthenticated', what: `${method} ${p} ${authorization}` });
                await assertAlive(server.baseURL, `${method} ${p} ${authorization}`);
            }
            const res = await request(server.baseURL, p, { method, body: valid ? JSON.stringify(valid) : undefined,
                headers: { 'content-type': 'application/json', authorization: 'Bearer sk-matrix' } });
            assert.equal(res.status, 200, `${method} ${p} with the key: ${res.text}`);
        }
        await sleep(0);
    });
});
