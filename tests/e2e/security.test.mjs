// Security: API keys (flags, key file, environment) guard every route but the health check, compared in
// constant time and never logged; CORS only for listed origins; a public bind without a key warns.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuthenticationError } from 'openai';

import { assertAlive, assertErrorResponse, openaiClient, request } from './lib/http.mjs';
import {
    copyFileIn, makeTempDir, removeTempDirs, runHearth, sharedModel, startServer, stopAllServers, writeFileIn,
} from './lib/server.mjs';

const KEYS = { flag: 'sk-flag-0123456789', file: 'sk-file-abcdefghij', env: 'sk-env-zyxwvutsrq' };

describe('API keys', () => {
    let server;
    let base;

    before(async () => {
        const dir = await makeTempDir('keys');
        await copyFileIn(dir, 'stories.gguf', sharedModel('stories260K/stories260K-f32.gguf'));
        const keyFile = await writeFileIn(dir, 'keys.txt', `# team keys\n\n  ${KEYS.file}  \n`);
        server = await startServer({ modelsDir: dir, args: ['--api-key', KEYS.flag, '--api-key-file', keyFile],
            env: { HEARTH_API_KEY: KEYS.env } });
        base = server.baseURL;
    });

    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    test('the health check answers without a key', async () => {
        await assertAlive(base);
        assert.equal((await request(base, '/v1/health')).status, 200);
    });

    test('every other route is 401 without a key or with a wrong one', async () => {
        const routes = [['GET', '/v1/models'], ['GET', '/v1/models/stories'], ['GET', '/metrics'], ['GET', '/nope'],
            ['POST', '/v1/completions'], ['POST', '/v1/chat/completions'], ['POST', '/v1/embeddings']];
        const wrong = [undefined, 'Bearer sk-wrong', `Bearer ${KEYS.flag}x`, `Bearer ${KEYS.flag.slice(0, -1)}`,
            KEYS.flag, `Basic ${KEYS.flag}`, 'Bearer '];
        for (const [method, p] of routes) {
            for (const authorization of wrong) {
                const headers = { 'content-type': 'application/json' };
                if (authorization !== undefined) {
                    headers.authorization = authorization;
                }
                const body = method === 'POST' ? JSON.stringify({ model: 'stories', prompt: 'x' }) : undefined;
                const res = await request(base, p, { method, headers, body });
                assertErrorResponse(res, 401, { type: 'authentication_error', code: 'unauthenticated',
                    what: `${method} ${p} with ${authorization}` });
            }
        }
        await assertAlive(base, 'the 401s');
    });

    test('each key from flag, file and environment is accepted', async () => {
        for (const key of Object.values(KEYS)) {
            const res = await request(base, '/v1/models', { headers: { authorization: `Bearer ${key}` } });
            assert.equal(res.status, 200, `${key}: ${res.text}`);
            const client = openaiClient(base);
            client.apiKey = key;
            const models = await client.models.list();
            assert.ok(models.data.some((m) => m.id === 'stories'));
        }
        const completion = await request(base, '/v1/completions', { method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.env}` },
            body: JSON.stringify({ model: 'stories', prompt: 'Once', max_tokens: 2 }) });
        assert.equal(completion.status, 200, completion.text);
    });

    test('the SDK with a wrong key gets AuthenticationError', async () => {
        await assert.rejects(openaiClient(base).models.list(), (err) => {
            assert.ok(err instanceof AuthenticationError, String(err));
            assert.equal(err.status, 401);
            return true;
        });
    });

    test('no key ever reaches the log', async () => {
        for (const key of Object.values(KEYS)) {
            assert.ok(!server.output().includes(key), `key ${key} in the output:\n${server.output()}`);
        }
    });
});

describe('metrics access, CORS and binding', () => {
    let dir;

    before(async () => {
        dir = await makeTempDir('cors');
        await copyFileIn(dir, 'stories.gguf', sharedModel('stories260K/stories260K-f32.gguf'));
    });

    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    test('--metrics-public opens /metrics alone', async () => {
        const server = await startServer({ modelsDir: dir, args: ['--api-key', 'sk-x', '--metrics-public'] });
        assert.equal((await request(server.baseURL, '/metrics')).status, 200);
        assert.equal((await request(server.baseURL, '/v1/models')).status, 401);
        await server.stop();
    });

    test('CORS: preflight and headers for listed origins only, never a reflected stranger', async () => {
        const origin = 'http://app.example:3000';
        const server = await startServer({ modelsDir: dir, args: ['--cors-origin', origin, '--api-key', 'sk-c'] });
        const preflight = (from) => request(server.baseURL, '/v1/chat/completions', { method: 'OPTIONS',
            headers: { origin: from, 'access-control-request-method': 'POST',
                'access-control-request-headers': 'authorization, content-type' } });
        const ok = await preflight(origin);
        assert.equal(ok.status, 204);
        assert.equal(ok.headers.get('access-control-allow-origin'), origin);
        assert.match(ok.headers.get('access-control-allow-headers'), /Authorization/i);
        assert.match(ok.headers.get('access-control-allow-methods'), /POST/);
        const stranger = await preflight('http://evil.example');
        assert.notEqual(stranger.status, 204);
        assert.equal(stranger.headers.get('access-control-allow-origin'), null);
        const listed = await request(server.baseURL, '/v1/models', { headers: { origin, authorization: 'Bearer sk-c' } });
        assert.equal(listed.headers.get('access-control-allow-origin'), origin);
        const unlisted = await request(server.baseURL, '/v1/models',
            { headers: { origin: 'http://evil.example', authorization: 'Bearer sk-c' } });
        assert.equal(unlisted.headers.get('access-control-allow-origin'), null);
        const refused = await request(server.baseURL, '/v1/models', { headers: { origin } });
        assert.equal(refused.status, 401);
        assert.equal(refused.headers.get('access-control-allow-origin'), origin, 'a browser must see the 401');
        await server.stop();
    });

    test('without --cors-origin no CORS header is ever sent', async () => {
        const server = await startServer({ modelsDir: dir });
        const res = await request(server.baseURL, '/v1/models', { headers: { origin: 'http://app.example' } });
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('access-control-allow-origin'), null);
        await server.stop();
    });

    test('a public address without a key warns; loopback does not', async () => {
        const open = await runHearth(['serve', '--host', '0.0.0.0', '--port', '0', '--models-dir', dir],
            { timeoutMs: 3_000 });
        assert.match(open.output, /without an API key/, open.output);
        const keyed = await runHearth(['serve', '--host', '0.0.0.0', '--port', '0', '--models-dir', dir,
            '--api-key', 'sk-k'], { timeoutMs: 3_000 });
        assert.doesNotMatch(keyed.output, /without an API key/, keyed.output);
        const local = await runHearth(['serve', '--port', '0', '--models-dir', dir], { timeoutMs: 3_000 });
        assert.doesNotMatch(local.output, /without an API key/, local.output);
    });

    test('an unreadable key file stops start-up with a clear message', async () => {
        const r = await runHearth(['serve', '--port', '0', '--models-dir', dir, '--api-key-file', '/nonexistent/k']);
        assert.equal(r.code, 2, r.output);
        assert.match(r.output, /cannot read the API key file/);
    });
});
