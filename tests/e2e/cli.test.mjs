// The hearth command line: version, usage errors, bad options, a port already in use, and where the
// models come from.

import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { after, describe, test } from 'node:test';

import { openaiClient, request } from './lib/http.mjs';
import {
    copyFileIn, makeTempDir, removeTempDirs, runHearth, sharedModel, startServer, stopAllServers,
} from './lib/server.mjs';

// The process ended by itself (not killed by the test's time limit), with a non-zero code and a message.
function assertFailedRun(r, what) {
    const detail = `${what}: code ${r.code}, signal ${r.signal}, output:\n${r.output}`;
    assert.equal(r.timedOut, false, `${what} did not exit by itself (still running after its time limit)`);
    assert.equal(r.signal, null, detail);
    assert.equal(typeof r.code, 'number', detail);
    assert.notEqual(r.code, 0, detail);
    assert.ok(r.output.trim().length > 0, `${what}: exits without a message`);
    assert.doesNotMatch(r.stdout, /hearth listening on/, `${what}: it started listening`);
}

describe('hearth command line', () => {
    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    test('--version prints "hearth 0.1.0" and exits 0', async () => {
        const r = await runHearth(['--version']);
        assert.equal(r.code, 0, r.output);
        assert.equal(r.stdout.trim(), 'hearth 0.1.0');
    });

    test('--help lists the serve subcommand and exits 0', async () => {
        const r = await runHearth(['--help']);
        assert.equal(r.code, 0, r.output);
        assert.match(r.stdout, /\bserve\b/);
        const serve = await runHearth(['serve', '--help']);
        assert.equal(serve.code, 0, serve.output);
        for (const option of ['--host', '--port', '--models-dir', '--read-timeout', '--idle-timeout']) {
            assert.ok(serve.stdout.includes(option), `serve --help does not mention ${option}`);
        }
    });

    test('no subcommand: non-zero exit with a message', async () => {
        const r = await runHearth([]);
        assertFailedRun(r, 'hearth');
        assert.match(r.output, /subcommand/i);
    });

    test('an unknown subcommand or option: non-zero exit with a message', async () => {
        assertFailedRun(await runHearth(['frobnicate']), 'hearth frobnicate');
        const r = await runHearth(['serve', '--port', '0', '--bogus-option']);
        assertFailedRun(r, 'hearth serve --bogus-option');
        assert.match(r.output, /--bogus-option/);
    });

    test('serve --port 99999 exits non-zero naming the bad value', async () => {
        const r = await runHearth(['serve', '--host', '127.0.0.1', '--port', '99999']);
        assertFailedRun(r, 'serve --port 99999');
        assert.match(r.output, /99999/);
        assertFailedRun(await runHearth(['serve', '--port', 'eighty']), 'serve --port eighty');
    });

    test('out-of-range timeouts, budgets and log levels are refused', async () => {
        for (const args of [['serve', '--port', '0', '--read-timeout', '0'],
            ['serve', '--port', '0', '--idle-timeout', '0'],
            ['serve', '--port', '0', '--memory-budget', 'lots'],
            ['serve', '--port', '0', '--vram-budget', '-1GiB'],
            ['serve', '--port', '0', '--vram-budget', '8 parsecs'],
            ['serve', '--port', '0', '--prompt-cache', '-2'],
            ['serve', '--port', '0', '--prompt-cache', 'some'],
            ['--log-level', 'chatty', 'serve', '--port', '0']]) {
            assertFailedRun(await runHearth(args), `hearth ${args.join(' ')}`);
        }
    });

    test('a port already in use: non-zero exit with a message naming the port', async () => {
        const blocker = net.createServer();
        await new Promise((resolve, reject) => {
            blocker.once('error', reject);
            blocker.listen(0, '127.0.0.1', resolve);
        });
        const { port } = blocker.address();
        try {
            const dir = await makeTempDir('cli-busy');
            const r = await runHearth(['serve', '--host', '127.0.0.1', '--port', String(port), '--models-dir', dir]);
            assertFailedRun(r, `serve on busy port ${port}`);
            assert.match(r.stderr, new RegExp(`\\b${port}\\b`), `the error does not name port ${port}`);
        } finally {
            await new Promise((resolve) => {
                blocker.close(resolve);
            });
        }
    });

    test('a missing --models-dir: the server starts, warns, and lists zero models', async () => {
        const parent = await makeTempDir('cli-missing');
        const missing = path.join(parent, 'does', 'not', 'exist');
        const server = await startServer({ modelsDir: missing });
        const client = openaiClient(server.baseURL);
        const page = await client.models.list();
        assert.deepEqual(page.data, []);
        assert.deepEqual(page.body.unservable, []);
        const health = await request(server.baseURL, '/health');
        assert.equal(health.status, 200);
        assert.deepEqual(health.json.models, {});
        assert.deepEqual(health.json.ready, []);
        assert.ok(server.output().includes(missing), `no message about ${missing}:\n${server.output()}`);
        await server.stop();
    });

    test('without --models-dir the models come from $HEARTH_MODELS', async () => {
        const dir = await makeTempDir('cli-env');
        await copyFileIn(dir, 'from-env.gguf', sharedModel('stories260K/stories260K-q8_0.gguf'));
        const server = await startServer({ env: { HEARTH_MODELS: dir } });
        const { data } = await openaiClient(server.baseURL).models.list();
        assert.deepEqual(data.map((m) => m.id), ['from-env']);
        assert.equal(data[0].path, path.join(dir, 'from-env.gguf'));
        await server.stop();
    });

    test('--models-dir wins over $HEARTH_MODELS', async () => {
        const envDir = await makeTempDir('cli-env-loses');
        const argDir = await makeTempDir('cli-arg-wins');
        const q8 = sharedModel('stories260K/stories260K-q8_0.gguf');
        await copyFileIn(envDir, 'from-env.gguf', q8);
        await copyFileIn(argDir, 'from-arg.gguf', q8);
        const server = await startServer({ modelsDir: argDir, env: { HEARTH_MODELS: envDir } });
        const { data } = await openaiClient(server.baseURL).models.list();
        assert.deepEqual(data.map((m) => m.id), ['from-arg']);
        await server.stop();
    });

    test('every serve flag is also a HEARTH_<FLAG> variable; the command line wins; bad values are refused', async () => {
        const dir = await makeTempDir('cli-envflags');
        await copyFileIn(dir, 'stories.gguf', sharedModel('stories260K/stories260K-q8_0.gguf'));
        const server = await startServer({ modelsDir: dir, env: { HEARTH_NO_WEBUI: '1', HEARTH_LOAD: 'stories',
            HEARTH_API_KEY: 'k1', HEARTH_KEEP_ALIVE: '5m' } });
        assert.equal((await request(server.baseURL, '/')).status, 404, 'HEARTH_NO_WEBUI=1 turns the page off');
        const health = (await request(server.baseURL, '/health')).json;
        assert.deepEqual(health.ready, ['stories'], 'HEARTH_LOAD loaded the model before the listening line');
        assert.equal((await request(server.baseURL, '/v1/models')).status, 401);
        await server.stop();
        const bad = await runHearth(['serve', '--models-dir', dir, '--port', '0'], { env: { HEARTH_CTX_SIZE: 'lots' } });
        assertFailedRun(bad, 'HEARTH_CTX_SIZE=lots');
        assert.match(bad.output, /--ctx-size/);
        // The command line wins over the environment: a bad value in the variable is never read.
        const wins = await startServer({ modelsDir: dir, args: ['--ctx-size', '256'], env: { HEARTH_CTX_SIZE: 'lots' } });
        await wins.stop();
    });
});
