// HTTP transport behaviour: keep-alive, pipelining, idle and read timeouts, concurrency and clean shutdown.

import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';

import { assertAlive, openaiClient, openRaw, parseResponses, rawExchange, sleep } from './lib/http.mjs';
import { copyFileIn, makeTempDir, removeTempDirs, sharedModel, startServer, stopAllServers } from './lib/server.mjs';

function get(url, options = {}) {
    return new Promise((resolve, reject) => {
        const req = http.get(url, options, (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (c) => { body += c; });
            res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body, req }));
        });
        req.on('error', reject);
        req.setTimeout(15_000, () => req.destroy(new Error(`GET ${url} timed out`)));
    });
}

const HEALTH = 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';

// Sends `text` one byte every `everyMs` until the connection closes or `maxMs` passed. Returns { ms, sent }:
// ms is the time from the first byte to the close (null when the connection stayed open), sent the bytes
// written.
async function trickle(conn, text, { everyMs = 250, maxMs = 4000 } = {}) {
    const start = Date.now();
    let sent = 0;
    while (Date.now() - start < maxMs) {
        if (conn.events.close || conn.events.end) {
            return { ms: (conn.events.closedAt || Date.now()) - start, sent };
        }
        if (sent < text.length) {
            conn.socket.write(text[sent]);
            sent += 1;
        }
        await sleep(everyMs);
    }
    return { ms: conn.events.close || conn.events.end ? Date.now() - start : null, sent };
}

describe('http transport', () => {
    let dir;
    let plain; // default timeouts (read 30 s, idle 60 s)
    let quick; // --read-timeout 1 --idle-timeout 1
    let split; // --read-timeout 1 --idle-timeout 8

    before(async () => {
        dir = await makeTempDir('http');
        await copyFileIn(dir, 'stories260K-q8_0.gguf', sharedModel('stories260K/stories260K-q8_0.gguf'));
        await copyFileIn(dir, 'stories260K-f16.gguf', sharedModel('stories260K/stories260K-f16.gguf'));
        [plain, quick, split] = await Promise.all([
            startServer({ modelsDir: dir }),
            startServer({ modelsDir: dir, args: ['--read-timeout', '1', '--idle-timeout', '1'] }),
            startServer({ modelsDir: dir, args: ['--read-timeout', '1', '--idle-timeout', '8'] }),
        ]);
    });

    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    test('keep-alive: a second request reuses the connection, also after an error response', async () => {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        try {
            const first = await get(`${plain.baseURL}/v1/models`, { agent });
            assert.equal(first.status, 200);
            assert.equal(first.req.reusedSocket, false);
            const second = await get(`${plain.baseURL}/v1/models`, { agent });
            assert.equal(second.status, 200);
            assert.equal(second.req.reusedSocket, true, 'the second request opened a new connection');
            assert.equal(second.body, first.body);
            const missing = await get(`${plain.baseURL}/v1/missing`, { agent });
            assert.equal(missing.status, 404);
            assert.equal(missing.req.reusedSocket, true);
            const third = await get(`${plain.baseURL}/health`, { agent });
            assert.equal(third.status, 200);
            assert.equal(third.req.reusedSocket, true, 'a 404 closed the keep-alive connection');
        } finally {
            agent.destroy();
        }
    });

    test('Connection: close and HTTP/1.0 requests are answered, then the connection closes', async () => {
        for (const req of ['GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
            'GET /health HTTP/1.0\r\n\r\n']) {
            const { responses, conn } = await rawExchange(plain.port, req);
            assert.equal(responses[0]?.status, 200, `${JSON.stringify(req)}: ${conn.received().toString('latin1')}`);
            assert.equal(responses[0].json.status, 'ok');
            assert.ok(await conn.waitFor(() => conn.events.close || conn.events.end, 3000),
                      `${JSON.stringify(req)}: the connection stayed open`);
            conn.socket.destroy();
        }
    });

    test('pipelined requests are answered in order on one connection', async () => {
        const pipelined = `${HEALTH}GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/nope HTTP/1.1\r\nHost: x\r\n\r\n`;
        const { responses, conn } = await rawExchange(plain.port, pipelined, { count: 3 });
        conn.socket.destroy();
        assert.deepEqual(responses.map((r) => r.status), [200, 200, 404]);
        assert.equal(responses[0].json.status, 'ok');
        assert.equal(responses[1].json.object, 'list');
        assert.equal(responses[2].json.error.code, 'not_found');
    });

    test('an idle keep-alive connection is closed after --idle-timeout 1, not before', async () => {
        const [idle, control] = await Promise.all([openRaw(quick.port), openRaw(plain.port)]);
        idle.socket.write(HEALTH);
        control.socket.write(HEALTH);
        const answered = () => parseResponses(idle.received()).responses.length === 1;
        assert.ok(await idle.waitFor(answered, 5000), 'no response on the idle-timeout server');
        assert.ok(await control.waitFor(() => parseResponses(control.received()).responses.length === 1, 5000));
        const answeredAt = Date.now();
        assert.ok(await idle.waitFor(() => idle.events.close || idle.events.end, 2500),
                  'the connection was still open 2.5 s after its response (--idle-timeout 1)');
        const idleMs = (idle.events.closedAt || Date.now()) - answeredAt;
        assert.ok(idleMs >= 500, `closed ${idleMs} ms after the response: before the idle timeout`);
        // With the default idle timeout (60 s) the same connection is still open, and still usable.
        assert.ok(!control.events.close && !control.events.end, 'the default server closed an idle connection');
        control.socket.write(HEALTH);
        assert.ok(await control.waitFor(() => parseResponses(control.received()).responses.length === 2, 5000),
                  'a kept-alive connection did not answer its second request');
        control.socket.destroy();
        idle.socket.destroy();
    });

    test('a connection that sends nothing is closed after --read-timeout 1', async () => {
        const conn = await openRaw(quick.port);
        const opened = Date.now();
        assert.ok(await conn.waitFor(() => conn.events.close || conn.events.end, 3000),
                  'a silent connection was still open after 3 s');
        assert.ok(Date.now() - opened >= 500, 'closed before the read timeout');
        assert.equal(conn.received().length, 0, 'no response is sent to a silent connection');
        conn.socket.destroy();
    });

    test('a slow-loris request is dropped after --read-timeout 1', async () => {
        const [slow, control] = await Promise.all([openRaw(quick.port), openRaw(plain.port)]);
        const partial = `GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ${'s'.repeat(40)}`;
        const [{ ms: slowMs }, { ms: controlMs, sent }] = await Promise.all([
            trickle(slow, partial, { maxMs: 3500 }),
            trickle(control, partial, { maxMs: 2500 }),
        ]);
        assert.notEqual(slowMs, null, 'a request trickling in for 3.5 s was not dropped (--read-timeout 1)');
        assert.ok(slowMs >= 700, `dropped after ${slowMs} ms, before the read timeout`);
        const answered = parseResponses(slow.received()).responses;
        assert.ok(answered.every((r) => r.status !== 200), 'the trickled request was answered 200');
        // With the default read timeout (30 s) the same trickle is still going, and completes normally.
        assert.equal(controlMs, null, `the default server dropped a trickling request after ${controlMs} ms`);
        control.socket.write(`${partial.slice(sent)}\r\n\r\n`);
        assert.ok(await control.waitFor(() => parseResponses(control.received()).responses.length === 1, 5000));
        assert.equal(parseResponses(control.received()).responses[0].status, 200);
        slow.socket.destroy();
        control.socket.destroy();
    });

    test('the read timeout also bounds a slow second request on a kept-alive connection', async () => {
        // --read-timeout 1 --idle-timeout 8: the second request starts at once, then trickles. Receiving a
        // request that has started is bounded by the read timeout, whatever the idle timeout.
        const conn = await openRaw(split.port);
        conn.socket.write(HEALTH);
        assert.ok(await conn.waitFor(() => parseResponses(conn.received()).responses.length === 1, 5000));
        const { ms } = await trickle(conn, `GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ${'s'.repeat(40)}`,
                                 { maxMs: 3500 });
        conn.socket.destroy();
        assert.notEqual(ms, null, 'a second request trickling in for 3.5 s was not dropped (--read-timeout 1); ' +
                                  'only the idle timeout (8 s) applies to it');
        assert.ok(ms >= 700, `dropped after ${ms} ms`);
    });

    test('20 concurrent GET /v1/models on 20 connections all succeed', async () => {
        const results = await Promise.all(Array.from({ length: 20 },
                                                     () => get(`${plain.baseURL}/v1/models`, { agent: false })));
        for (const r of results) {
            assert.equal(r.status, 200, r.body);
        }
        const ids = JSON.parse(results[0].body).data.map((m) => m.id).sort();
        assert.deepEqual(ids, ['stories260K-f16', 'stories260K-q8_0']);
        assert.ok(results.every((r) => r.body === results[0].body), 'concurrent answers differ');
    });

    test('20 concurrent SDK models.list() calls all succeed', async () => {
        const client = openaiClient(plain.baseURL);
        const pages = await Promise.all(Array.from({ length: 20 }, () => client.models.list()));
        for (const page of pages) {
            assert.deepEqual(page.data.map((m) => m.id).sort(), ['stories260K-f16', 'stories260K-q8_0']);
        }
    });

    test('the servers answered everything and are still alive', async () => {
        await assertAlive(plain.baseURL);
        await assertAlive(quick.baseURL);
        await assertAlive(split.baseURL);
    });
});

describe('shutdown', () => {
    let dir;

    before(async () => {
        dir = await makeTempDir('shutdown');
    });

    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    async function refused(port) {
        return new Promise((resolve) => {
            const s = net.connect({ host: '127.0.0.1', port });
            s.once('connect', () => { s.destroy(); resolve(false); });
            s.once('error', (err) => resolve(err.code === 'ECONNREFUSED'));
        });
    }

    test('SIGTERM with open connections: exit code 0 within 10 s, and the port is released', async () => {
        const server = await startServer({ modelsDir: dir });
        const idle = await openRaw(server.port);
        idle.socket.write(HEALTH);
        assert.ok(await idle.waitFor(() => parseResponses(idle.received()).responses.length === 1, 5000));
        const partial = await openRaw(server.port);
        partial.socket.write('GET /health HTTP/1.1\r\nHost: x\r\n');
        await server.stop('SIGTERM'); // asserts exit code 0 within 10 s
        assert.ok(await idle.waitFor(() => idle.events.close || idle.events.end, 2000),
                  'a kept-alive connection survived the server');
        assert.ok(await refused(server.port), 'the port still accepts connections after exit');
        idle.socket.destroy();
        partial.socket.destroy();
    });

    test('SIGINT: exit code 0', async () => {
        const server = await startServer({ modelsDir: dir });
        await assertAlive(server.baseURL);
        await server.stop('SIGINT');
    });
});
