// HTTP-level helpers: the SDK client, JSON requests, raw sockets and the checks shared by the test files.

import assert from 'node:assert/strict';
import net from 'node:net';
import OpenAI from 'openai';

export function openaiClient(baseURL) {
    // No retries: a failing request must fail the test, not be repeated behind its back.
    return new OpenAI({ baseURL: `${baseURL}/v1`, apiKey: 'none', maxRetries: 0, timeout: 15_000 });
}

// fetch + JSON: { status, headers, text, json } (json is undefined when the body is not JSON). init.timeoutMs
// (default 15 s) bounds the whole exchange.
export async function request(baseURL, pathAndQuery, init = {}) {
    const { timeoutMs = 15_000, ...rest } = init;
    const res = await fetch(`${baseURL}${pathAndQuery}`, { ...rest, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let json;
    try {
        json = JSON.parse(text);
    } catch {
        json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
}

// The OpenAI error envelope, exactly: {"error":{"message":string,"type":string,"param":null|string,"code":...}}.
export function assertErrorBody(body, { code, type, what = 'error body' } = {}) {
    assert.equal(typeof body, 'object', `${what}: not a JSON object: ${JSON.stringify(body)}`);
    assert.notEqual(body, null, `${what}: null`);
    assert.deepEqual(Object.keys(body), ['error'], `${what}: top-level keys of ${JSON.stringify(body)}`);
    const err = body.error;
    assert.equal(typeof err, 'object', `${what}: error is not an object`);
    assert.deepEqual(Object.keys(err).sort(), ['code', 'message', 'param', 'type'],
                     `${what}: keys of ${JSON.stringify(err)}`);
    assert.equal(typeof err.message, 'string', `${what}: message`);
    assert.ok(err.message.length > 0, `${what}: empty message`);
    assert.equal(typeof err.type, 'string', `${what}: type`);
    assert.ok(err.param === null || typeof err.param === 'string', `${what}: param ${JSON.stringify(err.param)}`);
    assert.ok(err.code === null || typeof err.code === 'string', `${what}: code ${JSON.stringify(err.code)}`);
    if (code !== undefined) {
        assert.equal(err.code, code, `${what}: code in ${JSON.stringify(err)}`);
    }
    if (type !== undefined) {
        assert.equal(err.type, type, `${what}: type in ${JSON.stringify(err)}`);
    }
    return err;
}

// An error response: the status, a JSON content type and the exact error envelope.
export function assertErrorResponse(res, status, expect = {}) {
    assert.equal(res.status, status, `status of a response with body ${res.text}`);
    const contentType = typeof res.headers.get === 'function' ? res.headers.get('content-type') : res.headers['content-type'];
    assert.match(contentType ?? '', /^application\/json/, 'content-type of an error');
    assert.notEqual(res.json, undefined, `error body is not JSON: ${res.text}`);
    return assertErrorBody(res.json, expect);
}

// The server still answers: GET /health is 200 with status "ok".
export async function assertAlive(baseURL, after = '') {
    let res;
    try {
        res = await request(baseURL, '/health');
    } catch (err) {
        assert.fail(`GET /health failed${after ? ` after ${after}` : ''}: ${err.message}`);
    }
    assert.equal(res.status, 200, `GET /health${after ? ` after ${after}` : ''}: ${res.text}`);
    assert.equal(res.json?.status, 'ok');
}

// Opens a TCP connection to 127.0.0.1:port and records everything that happens on it.
// Returns { socket, received(), events, waitFor(predicate, ms), closed (promise) }.
export async function openRaw(port) {
    const socket = net.connect({ host: '127.0.0.1', port });
    const chunks = [];
    const events = { end: false, close: false, error: null, closedAt: 0 };
    const waiters = new Set();
    const notify = () => {
        for (const w of waiters) {
            w();
        }
    };
    socket.on('data', (c) => { chunks.push(c); notify(); });
    socket.on('end', () => { events.end = true; notify(); });
    socket.on('error', (err) => { events.error = err; notify(); });
    const closed = new Promise((resolve) => {
        socket.on('close', () => {
            events.close = true;
            events.closedAt = Date.now();
            notify();
            resolve();
        });
    });
    await new Promise((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
    });
    const received = () => Buffer.concat(chunks);
    // Resolves true once predicate() holds, false after ms.
    const waitFor = (predicate, ms) => new Promise((resolve) => {
        if (predicate()) {
            resolve(true);
            return;
        }
        const waiter = () => {
            if (predicate()) {
                clearTimeout(timer);
                waiters.delete(waiter);
                resolve(true);
            }
        };
        const timer = setTimeout(() => {
            waiters.delete(waiter);
            resolve(predicate());
        }, ms);
        waiters.add(waiter);
    });
    return { socket, received, events, waitFor, closed };
}

// Parses the HTTP/1.x responses in buf (Content-Length framing). Returns the complete ones in order and the
// unparsed rest.
export function parseResponses(buf) {
    const out = [];
    let rest = buf;
    for (;;) {
        const headEnd = rest.indexOf('\r\n\r\n');
        if (headEnd < 0) {
            break;
        }
        const head = rest.subarray(0, headEnd).toString('latin1');
        const [statusLine, ...lines] = head.split('\r\n');
        const m = /^HTTP\/(\d\.\d) (\d{3})(?: (.*))?$/.exec(statusLine);
        assert.ok(m, `not an HTTP status line: ${JSON.stringify(statusLine)}`);
        const headers = {};
        for (const line of lines) {
            const colon = line.indexOf(':');
            assert.ok(colon > 0, `malformed header line ${JSON.stringify(line)}`);
            headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        const length = Number(headers['content-length'] ?? 0);
        if (rest.length < headEnd + 4 + length) {
            break;
        }
        const text = rest.subarray(headEnd + 4, headEnd + 4 + length).toString('utf8');
        let json;
        try {
            json = JSON.parse(text);
        } catch {
            json = undefined;
        }
        out.push({ version: m[1], status: Number(m[2]), headers, text, json });
        rest = rest.subarray(headEnd + 4 + length);
    }
    return { responses: out, rest };
}

// Writes `payload` on a fresh connection and waits until `count` complete responses arrived, or the
// connection closed, or ms passed. Returns { responses, conn }.
export async function rawExchange(port, payload, { count = 1, ms = 10_000 } = {}) {
    const conn = await openRaw(port);
    conn.socket.write(payload);
    await conn.waitFor(() => conn.events.close || parseResponses(conn.received()).responses.length >= count, ms);
    return { responses: parseResponses(conn.received()).responses, conn };
}

export function sleep(ms) {
    return new Promise((resolve) => {
        setTimeout(resolve, ms);
    });
}
