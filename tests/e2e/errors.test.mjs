// Error responses: unknown routes, wrong methods, bad paths, oversized and malformed requests. Every error
// is the OpenAI envelope {"error":{"message","type","param","code"}}, and the server keeps answering after
// each bad request.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { APIError } from 'openai';

import {
    assertAlive, assertErrorBody, assertErrorResponse, openaiClient, openRaw, parseResponses, rawExchange, request,
} from './lib/http.mjs';
import { copyFileIn, makeTempDir, removeTempDirs, sharedModel, startServer, stopAllServers } from './lib/server.mjs';

const BODY_LIMIT = 32 * 1024 * 1024;

describe('error responses', () => {
    let server;
    let base;

    before(async () => {
        const dir = await makeTempDir('errors');
        await copyFileIn(dir, 'stories260K-q8_0.gguf', sharedModel('stories260K/stories260K-q8_0.gguf'));
        server = await startServer({ modelsDir: dir });
        base = server.baseURL;
    });

    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    test('unknown routes are 404 not_found', async () => {
        const cases = [
            ['GET', '/v1/nope'],
            ['POST', '/v1/chat/nonsense'],
            ['GET', '/ui/missing.js'],  // / is the web page (webui.test.mjs)
            ['GET', '/v2/models'],
            ['GET', '/v1/models-and-more'],
            ['GET', '/healthz'],
        ];
        for (const [method, p] of cases) {
            const init = { method };
            if (method === 'POST') {
                init.body = JSON.stringify({ model: 'stories260K-q8_0' });
                init.headers = { 'content-type': 'application/json' };
            }
            const res = await request(base, p, init);
            const err = assertErrorResponse(res, 404, { code: 'not_found', type: 'not_found_error',
                                                        what: `${method} ${p}` });
            assert.match(err.message, new RegExp(p.replace(/[/.]/g, '\\$&')), `${method} ${p}: message names the path`);
            await assertAlive(base, `${method} ${p}`);
        }
    });

    test('the SDK sees an unknown route as NotFoundError', async () => {
        const client = openaiClient(base);
        await assert.rejects(client.get('/nope'), (err) => {
            assert.ok(err instanceof APIError, String(err));
            assert.equal(err.status, 404);
            assert.equal(err.code, 'not_found');
            return true;
        });
        await assertAlive(base, 'the SDK request');
    });

    test('a known route with the wrong method is 405 with an Allow header', async () => {
        const cases = [
            ['POST', '/v1/models', 'GET'],
            ['DELETE', '/health', 'GET'],
            ['PUT', '/v1/health', 'GET'],
            ['DELETE', '/v1/models/stories260K-q8_0', 'GET, POST'],  // POST: {id}/load and {id}/unload
            ['PATCH', '/v1/models/any/thing', 'GET, POST'],
        ];
        for (const [method, p, allow] of cases) {
            const res = await request(base, p, { method });
            assertErrorResponse(res, 405, { code: 'method_not_allowed', type: 'invalid_request_error',
                                            what: `${method} ${p}` });
            assert.equal(res.headers.get('allow'), allow, `${method} ${p}: Allow header`);
            await assertAlive(base, `${method} ${p}`);
        }
    });

    test('malformed percent-encoding in the path is 400', async () => {
        for (const p of ['/v1/models/%zz', '/v1/models/abc%4', '/v1/models/%', '/v1/models/ok/%g1', '/v1/models/%%41']) {
            const res = await request(base, p);
            assertErrorResponse(res, 400, { type: 'invalid_request_error', code: 'invalid_argument', what: p });
            await assertAlive(base, p);
        }
    });

    test('an id that decodes to invalid UTF-8 is a JSON 400', async () => {
        const res = await request(base, '/v1/models/%FF%FEbad');
        assertErrorResponse(res, 400, { code: 'invalid_argument' });
        await assertAlive(base, 'an invalid UTF-8 id');
    });

    test('a Content-Length over 32 MiB is 413 before any body is sent, then the connection closes', async () => {
        const head = 'POST /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
                     'Content-Length: 40000000\r\n\r\n';
        const { responses, conn } = await rawExchange(server.port, head);
        assert.equal(responses.length, 1, `no response: ${conn.received().toString('latin1')}`);
        const [res] = responses;
        assert.equal(res.status, 413);
        assert.match(res.headers['content-type'], /^application\/json/);
        assertErrorBody(res.json, { code: 'payload_too_large', type: 'invalid_request_error' });
        assert.ok(await conn.waitFor(() => conn.events.close || conn.events.end, 5000),
                  'the connection stays open after a 413');
        conn.socket.destroy();
        await assertAlive(base, 'a 413');
    });

    test('one byte over the limit is 413; exactly the limit is accepted', async () => {
        const over = await rawExchange(server.port, 'POST /v1/models HTTP/1.1\r\nHost: x\r\n' +
                                                    `Content-Length: ${BODY_LIMIT + 1}\r\n\r\n`);
        assert.equal(over.responses[0]?.status, 413, over.conn.received().toString('latin1'));
        over.conn.socket.destroy();

        // A body of exactly 32 MiB is read in full and reaches routing: POST /v1/models is then a 405.
        const conn = await openRaw(server.port);
        conn.socket.write(`POST /v1/models HTTP/1.1\r\nHost: x\r\nContent-Length: ${BODY_LIMIT}\r\n\r\n`);
        conn.socket.write(Buffer.alloc(BODY_LIMIT, 0x61));
        await conn.waitFor(() => conn.events.close || parseResponses(conn.received()).responses.length > 0, 30_000);
        const { responses } = parseResponses(conn.received());
        assert.equal(responses[0]?.status, 405, `a body of exactly the limit: ${conn.received().toString('latin1')}`);
        conn.socket.destroy();
        await assertAlive(base, 'a body of exactly the limit');
    });

    test('a chunked body whose chunk exceeds the limit is 413', async () => {
        const head = 'POST /v1/models HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' +
                     `${(BODY_LIMIT + 1024).toString(16)}\r\n`;
        const { responses, conn } = await rawExchange(server.port, head);
        assert.equal(responses.length, 1, `no response: ${conn.received().toString('latin1')}`);
        assert.equal(responses[0].status, 413);
        assertErrorBody(responses[0].json, { code: 'payload_too_large' });
        conn.socket.destroy();
        await assertAlive(base, 'a chunked 413');
    });

    // The server drains what the client still sends after answering 413 (a lingering close), so the client
    // reads the error instead of a connection reset.
    test('33 MiB actually sent through fetch: 413 with the error body, and the server lives on', async () => {
        const body = JSON.stringify({ model: 'stories260K-q8_0', input: 'x'.repeat(33 * 1024 * 1024) });
        const res = await request(base, '/v1/embeddings', {
            method: 'POST', body, headers: { 'content-type': 'application/json' },
        });
        assertErrorResponse(res, 413, { code: 'payload_too_large' });
        await assertAlive(base, 'a 33 MiB body');
    });

    test('33 MiB through the SDK: APIError 413, and the server lives on', async () => {
        const client = openaiClient(base);
        const big = 'y'.repeat(33 * 1024 * 1024);
        await assert.rejects(client.embeddings.create({ model: 'stories260K-q8_0', input: big }), (err) => {
            assert.ok(err instanceof APIError, String(err));
            assert.equal(err.status, 413);
            assert.equal(err.code, 'payload_too_large');
            return true;
        });
        await assertAlive(base, 'a 33 MiB SDK request');
    });

    test('malformed HTTP is a 400 JSON error and the connection closes', async () => {
        for (const garbage of ['GARBAGE\r\n\r\n', 'GET /health HTTP/1.1\r\nHost x\r\nno colon here\r\n\r\n',
            'POST /v1/models HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
            'GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n']) {
            const what = JSON.stringify(garbage);
            const { responses, conn } = await rawExchange(server.port, garbage);
            assert.equal(responses.length, 1, `${what}: ${conn.received().toString('latin1')}`);
            assert.equal(responses[0].status, 400, what);
            assert.match(responses[0].headers['content-type'], /^application\/json/, what);
            assertErrorBody(responses[0].json, { type: 'invalid_request_error', code: 'invalid_argument', what });
            assert.ok(await conn.waitFor(() => conn.events.close || conn.events.end, 5000),
                      `${what}: the connection stays open after a 400`);
            conn.socket.destroy();
            await assertAlive(base, what);
        }
    });

    test('headers over the limit are 431 with a JSON error', async () => {
        const head = `GET /health HTTP/1.1\r\nHost: x\r\nX-Filler: ${'f'.repeat(64 * 1024)}\r\n\r\n`;
        const { responses, conn } = await rawExchange(server.port, head);
        assert.equal(responses.length, 1, `no response: ${conn.received().toString('latin1').slice(0, 200)}`);
        assert.equal(responses[0].status, 431);
        assertErrorBody(responses[0].json, { type: 'invalid_request_error' });
        conn.socket.destroy();
        await assertAlive(base, 'a 431');
    });

    test('a connection closed in the middle of a request does not hurt the server', async () => {
        const conn = await openRaw(server.port);
        conn.socket.write('POST /v1/models HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"half":');
        conn.socket.destroy();
        const reset = await openRaw(server.port);
        reset.socket.write('GET /v1/mod');
        reset.socket.resetAndDestroy();
        await assertAlive(base, 'connections dropped mid-request');
    });
});
