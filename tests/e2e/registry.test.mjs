// The model registry through the CLI and the admin API: `hearth add/list/rm` edit $HEARTH_HOME/config.json
// (bad input: one line and a non-zero exit); a server started from that config loads with --load, reports
// state, source, options and memory; `hearth status/load/unload` drive it; a broken configured file is
// failed with its reason while the rest serve; autoload off refuses until loaded; unloading a model while
// it streams ends the stream with an error event and the server keeps serving.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { APIError } from 'openai';

import { assertAlive, assertErrorResponse, openaiClient, request, sleep } from './lib/http.mjs';
import { makeTempDir, mkmodel, removeTempDirs, runHearth, sharedModel, startServer,
    stopAllServers } from './lib/server.mjs';

describe('model registry and CLI', () => {
    let home;
    let env;
    let modelsDir;
    let server;
    let client;

    const hearth = (args, opts = {}) => runHearth(args, { env, ...opts });

    before(async () => {
        home = await makeTempDir('home');
        modelsDir = await makeTempDir('models');
        env = { HEARTH_HOME: home };
        fs.copyFileSync(sharedModel('stories260K/stories260K-f32.gguf'), path.join(modelsDir, 'scanned.gguf'));
        await mkmodel('tiny-qwen3', path.join(home, 'qwen.gguf'), { type: 'f16' });
        fs.writeFileSync(path.join(home, 'broken.gguf'), 'GGUF' + '\xff'.repeat(40));
    });
    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    test('add, list and rm edit the config file; bad input is one line and exit 1', async () => {
        const stories = sharedModel('stories260K/stories260K-f32.gguf');
        let r = await hearth(['add', 'stories', stories, '--ctx-size', '256', '--threads', '1', '--keep-alive', '10m']);
        assert.equal(r.code, 0, r.output);
        r = await hearth(['add', 'qwen', path.join(home, 'qwen.gguf'), '--threads', '1', '--parallel', '2']);
        assert.equal(r.code, 0, r.output);
        const config = JSON.parse(fs.readFileSync(path.join(home, 'config.json'), 'utf8'));
        assert.deepEqual(config.models.map((m) => m.name), ['stories', 'qwen']);
        assert.deepEqual(config.models[0].options, { n_ctx: 256, n_threads: 1, keep_alive: 600 });

        const bad = [
            [['add', 'x', path.join(home, 'missing.gguf')], /missing\.gguf/],
            [['add', 'x', path.join(home, 'broken.gguf')], /broken\.gguf/],
            [['add', 'x', stories, '--flash-attn', 'maybe'], /flash_attn/],
            [['add', 'bad name', stories], /name/],
            [['add', 'stories', stories], /exists already/],
            [['add', 'x', stories, '--kind', 'whisper'], /llm model, not whisper/],
            [['rm', 'nope'], /no configured model named 'nope'/],
        ];
        for (const [args, message] of bad) {
            const res = await hearth(args);
            assert.equal(res.code, 1, `${args.join(' ')}: ${res.output}`);
            assert.match(res.stderr, message, args.join(' '));
            assert.equal(res.stderr.trim().split('\n').length, 1, `one line: ${res.stderr}`);
        }
        r = await hearth(['add', 'temp', stories]);
        assert.equal(r.code, 0, r.output);
        r = await hearth(['rm', 'temp']);
        assert.equal(r.code, 0, r.output);

        r = await hearth(['list', '--json', '--models-dir', modelsDir]);
        assert.equal(r.code, 0, r.output);
        const listed = JSON.parse(r.stdout);
        assert.deepEqual(listed.map((m) => [m.name, m.source]), [['stories', 'config'], ['qwen', 'config'],
            ['scanned', 'scan']]);
        assert.equal(listed[0].options.n_ctx, 256);
        // A broken file in the config is listed with its reason (the config is hand-editable).
        config.models.push({ name: 'broken', path: path.join(home, 'broken.gguf') });
        fs.writeFileSync(path.join(home, 'config.json'), JSON.stringify(config));
        r = await hearth(['list', '--models-dir', modelsDir]);
        assert.equal(r.code, 0, r.output);
        assert.match(r.stdout, /broken .*error: /);
    });

    test('serve --load: state, source, options and memory; status, unload, load', async () => {
        server = await startServer({ modelsDir, env, args: ['--load', 'stories', '--no-autoload', '--threads', '1',
            '--unload-grace', '1'] });
        client = openaiClient(server.baseURL);
        const stories = (await request(server.baseURL, '/v1/models/stories')).json;
        assert.equal(stories.state, 'ready');
        assert.equal(stories.source, 'config');
        assert.equal(stories.options.n_ctx, 256);
        assert.ok(stories.memory_bytes > stories.size_bytes, JSON.stringify(stories));
        assert.equal(stories.vram_bytes, 0, 'no GPU here: nothing counts against the GPU budget');
        assert.ok(stories.load_ms > 0);
        const broken = (await request(server.baseURL, '/v1/models/broken')).json;
        assert.equal(broken.state, 'failed');
        assert.ok(broken.last_error.length > 0);
        const health = (await request(server.baseURL, '/health')).json;
        assert.ok(health.failed.broken.length > 0, JSON.stringify(health));
        assert.deepEqual(health.ready, ['stories']);

        let r = await hearth(['status', '--url', server.baseURL, '--json']);
        assert.equal(r.code, 0, r.output);
        assert.deepEqual(JSON.parse(r.stdout).map((m) => [m.id, m.state]).sort(), [['broken', 'failed'],
            ['stories', 'ready']]);
        r = await hearth(['unload', 'stories', '--url', server.baseURL]);
        assert.equal(r.code, 0, r.output);
        assert.match(r.stdout, /stories: unloaded/);
        // Autoload is off: a request to an unloaded model is refused until it is loaded.
        await assert.rejects(client.completions.create({ model: 'stories', prompt: 'Once', max_tokens: 2 }),
            (err) => err instanceof APIError && err.status === 503 && /autoload is off/.test(err.message));
        r = await hearth(['load', 'stories', 'scanned', '--url', server.baseURL]);
        assert.equal(r.code, 0, r.output);
        assert.match(r.stdout, /stories: ready .*\nscanned: ready/);
        const done = await client.completions.create({ model: 'scanned', prompt: 'Once', max_tokens: 2 });
        assert.equal(done.usage.completion_tokens, 2);
    });

    test('admin API errors and CLI failures', async () => {
        assertErrorResponse(await request(server.baseURL, '/v1/models/stories/load', { method: 'POST',
            body: '{"n_ctx": "big"}' }), 400, { code: 'invalid_argument' });
        assertErrorResponse(await request(server.baseURL, '/v1/models/stories/load', { method: 'POST',
            body: '{"n_cxt": 5}' }), 400, { code: 'invalid_argument' });
        assertErrorResponse(await request(server.baseURL, '/v1/models/nope/load', { method: 'POST' }), 404,
            { code: 'model_not_found' });
        assertErrorResponse(await request(server.baseURL, '/v1/models/broken/load', { method: 'POST' }), 503, {});
        assertErrorResponse(await request(server.baseURL, '/v1/models/stories/reboot', { method: 'POST' }), 404, {});
        const reload = await request(server.baseURL, '/v1/models/stories/load', { method: 'POST',
            body: '{"n_ctx": 128}' });
        assert.equal(reload.status, 200, reload.text);
        assert.equal(reload.json.options.n_ctx, 128);
        let r = await hearth(['load', 'nope', '--url', server.baseURL]);
        assert.equal(r.code, 1, r.output);
        assert.match(r.stderr, /'nope' does not exist/);
        r = await hearth(['status', '--url', 'http://127.0.0.1:1']);
        assert.equal(r.code, 1, r.output);
        assert.match(r.stderr, /cannot reach the server/);
        r = await hearth(['devices', '--json']);
        assert.equal(r.code, 0, r.output);
        assert.ok(JSON.parse(r.stdout).some((d) => d.type === 'cpu'), r.stdout);
        await assertAlive(server.baseURL, 'admin errors');
    });

    test('unloading a model lets a short stream finish within the grace', async () => {
        let r = await hearth(['load', 'qwen', '--url', server.baseURL]);
        assert.equal(r.code, 0, r.output);
        const stream = await client.completions.create({ model: 'qwen', prompt: 'Once', max_tokens: 24,
            ignore_eos: true, stream: true });
        let text = '';
        let finish;
        let unloaded;
        for await (const chunk of stream) {
            text += chunk.choices[0]?.text ?? '';
            finish = chunk.choices[0]?.finish_reason ?? finish;
            unloaded ??= request(server.baseURL, '/v1/models/qwen/unload', { method: 'POST' });
        }
        assert.equal(finish, 'length', 'the stream was cut by the unload');
        const status = await unloaded;
        assert.equal(status.status, 200, status.text);
        assert.equal(status.json.state, 'unloaded');
    });

    test('unloading a model while it streams ends the stream with an error event after the grace', async () => {
        let r = await hearth(['load', 'qwen', '--url', server.baseURL]);
        assert.equal(r.code, 0, r.output);
        const stream = await client.completions.create({ model: 'qwen', prompt: 'Once', max_tokens: 3000,
            ignore_eos: true, temperature: 0.8, stream: true });
        let chunks = 0;
        let unloaded;
        await assert.rejects((async () => {
            for await (const chunk of stream) {
                chunks += chunk.choices.length;
                if (chunks === 3) {
                    unloaded = request(server.baseURL, '/v1/models/qwen/unload', { method: 'POST' });
                }
            }
        })(), (err) => err instanceof APIError && /not ready|unload|stopped/i.test(err.message));
        assert.ok(chunks >= 3 && chunks < 3000, `${chunks} chunks`);
        const status = await unloaded;
        assert.equal(status.status, 200, status.text);
        assert.equal(status.json.state, 'unloaded');
        await sleep(50);
        await assertAlive(server.baseURL, 'unload during a stream');
        const again = await client.completions.create({ model: 'stories', prompt: 'Once', max_tokens: 2 });
        assert.equal(again.usage.completion_tokens, 2);
    });
});
