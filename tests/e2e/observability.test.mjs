// Observability: /metrics in the Prometheus text format (checked by promtool) whose values follow the
// requests served, X-Request-Id on every response, and one structured log line per request (text or JSON)
// that never carries a prompt unless --log-prompts asks for it.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';

import { assertAlive, rawExchange, request } from './lib/http.mjs';
import path from 'node:path';

import {
    copyFileIn, makeTempDir, mkmodel, removeTempDirs, sharedModel, startServer, stopAllServers,
} from './lib/server.mjs';

const PROMPT = 'Once upon a secret-prompt-marker';

// `promtool check metrics` on the text: { ok, output }.
function promtool(text) {
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(r.error, undefined, `promtool could not run (scripts/deps.sh installs 'prometheus'): ${r.error}`);
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

// The value of one sample: name and exact label set as printed, e.g. 'x_total{a="b"}'; undefined when absent.
function sample(text, series) {
    for (const line of text.split('\n')) {
        if (line.startsWith(`${series} `)) {
            return Number(line.slice(series.length + 1));
        }
    }
    return undefined;
}

async function scrape(base) {
    const res = await request(base, '/metrics');
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
    return res.text;
}

function completion(base, body, headers = {}) {
    return request(base, '/v1/completions', { method: 'POST', body: JSON.stringify(body),
        headers: { 'content-type': 'application/json', ...headers } });
}

describe('metrics, request ids and the request log', () => {
    let server;
    let base;

    before(async () => {
        const dir = await makeTempDir('obs');
        await copyFileIn(dir, 'stories.gguf', sharedModel('stories260K/stories260K-f32.gguf'));
        await mkmodel('tiny-bert', path.join(dir, 'bert.gguf'));
        server = await startServer({ modelsDir: dir, args: ['--threads', '1', '--log-format', 'json'] });
        base = server.baseURL;
    });

    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    test('a live scrape passes promtool before and after requests, and the values follow them', async () => {
        const first = await scrape(base);
        const lint = promtool(first);
        assert.ok(lint.ok, `promtool on the first scrape:\n${lint.output}\n${first}`);
        assert.ok(sample(first, 'process_resident_memory_bytes') > 1e6, 'resident memory');
        assert.ok(sample(first, 'hearth_uptime_seconds') >= 0, 'uptime');
        assert.equal(sample(first, 'hearth_model_state{model="stories",state="unloaded"}'), 1);

        const served = 3;
        let generated = 0;
        for (let i = 0; i < served; i++) {
            const res = await completion(base, { model: 'stories', prompt: PROMPT, max_tokens: 8, ignore_eos: true,
                stream: i === 2 });
            assert.equal(res.status, 200, res.text);
            generated += 8;
        }
        const series = '{endpoint="/v1/completions",model="stories"}';
        const after = await scrape(base);
        const lint2 = promtool(after);
        assert.ok(lint2.ok, `promtool after requests:\n${lint2.output}\n${after}`);
        assert.equal(sample(after, `hearth_time_to_first_token_seconds_count${series}`), served);
        assert.equal(sample(after, `hearth_request_duration_seconds_count${series}`), served);
        assert.equal(sample(after, `hearth_queue_time_seconds_count${series}`), served);
        const gaps = sample(after, `hearth_inter_token_latency_seconds_count${series}`);
        assert.ok(gaps >= served && gaps <= served * 7, `${gaps} inter-token samples`);
        assert.equal(sample(after, 'hearth_requests_total{endpoint="/v1/completions",model="stories",status="200"}'),
            served);
        assert.equal(sample(after, 'hearth_generated_tokens_total{model="stories"}'), generated);
        assert.ok(sample(after, 'hearth_prompt_tokens_total{model="stories"}') >= served);
        const hits = sample(after, 'hearth_prefix_cache_hits_total{model="stories"}') ?? 0;
        const misses = sample(after, 'hearth_prefix_cache_misses_total{model="stories"}') ?? 0;
        assert.equal(hits + misses, served);
        assert.ok(hits >= 1, 'the same prompt again reuses its cached prefix');
        assert.equal(sample(after, 'hearth_model_state{model="stories",state="ready"}'), 1);
        assert.ok(sample(after, 'hearth_model_load_seconds{model="stories"}') > 0);
        assert.ok(sample(after, 'hearth_kv_cache_usage_ratio{model="stories"}') > 0);
        assert.equal(sample(after, 'hearth_requests_in_flight{endpoint="/v1/completions"}'), 0);
    });

    test('embeddings: requests by model, embedding-cache hits and misses, promtool still clean', async () => {
        const embed = (input) => request(base, '/v1/embeddings', { method: 'POST',
            headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'bert', input }) });
        assert.equal((await embed(['alpha', 'beta'])).status, 200);
        assert.equal((await embed(['alpha'])).status, 200);
        const text = await scrape(base);
        const lint = promtool(text);
        assert.ok(lint.ok, `promtool:\n${lint.output}`);
        assert.equal(sample(text, 'hearth_requests_total{endpoint="/v1/embeddings",model="bert",status="200"}'), 2);
        assert.equal(sample(text, 'hearth_embedding_cache_misses_total{model="bert"}'), 2);
        assert.equal(sample(text, 'hearth_embedding_cache_hits_total{model="bert"}'), 1);
        assert.ok(sample(text, 'hearth_model_memory_bytes{model="bert"}') > 0);
    });

    test('an unknown model never becomes a label', async () => {
        const res = await completion(base, { model: 'no-such-model-xyz', prompt: 'x' });
        assert.equal(res.status, 404);
        const text = await scrape(base);
        assert.ok(!text.includes('no-such-model-xyz'), 'client strings stay out of the exposition');
        assert.ok(sample(text, 'hearth_requests_total{endpoint="/v1/completions",model="",status="404"}') >= 1);
    });

    test('every response carries X-Request-Id: echoed when plausible, generated otherwise', async () => {
        const echoed = await request(base, '/health', { headers: { 'x-request-id': 'trace-42' } });
        assert.equal(echoed.headers.get('x-request-id'), 'trace-42');
        for (const [p, init] of [['/health', {}], ['/nope', {}], ['/v1/models/none', {}],
            ['/health', { headers: { 'x-request-id': 'has space' } }]]) {
            const res = await request(base, p, init);
            assert.match(res.headers.get('x-request-id') ?? '', /^[0-9a-f]{32}$/, p);
        }
        const head = 'POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 40000000\r\n\r\n';
        const { responses, conn } = await rawExchange(server.port, head);
        conn.socket.destroy();
        assert.equal(responses[0]?.status, 413);
        assert.match(responses[0].headers['x-request-id'] ?? '', /^[0-9a-f]{32}$/);
        await assertAlive(base, 'the 413');
    });

    test('one JSON log line per request, without the prompt', async () => {
        const res = await completion(base, { model: 'stories', prompt: PROMPT, max_tokens: 4 },
            { 'x-request-id': 'log-line-1' });
        assert.equal(res.status, 200);
        await new Promise((resolve) => setTimeout(resolve, 200));
        const lines = server.output().split('\n').filter((l) => l.startsWith('{'));
        assert.ok(lines.length > 0, server.output());
        const records = lines.map((l) => JSON.parse(l));
        const mine = records.filter((r) => r.msg === 'request' && r.id === 'log-line-1');
        assert.equal(mine.length, 1, JSON.stringify(records.slice(-5)));
        const r = mine[0];
        assert.equal(r.method, 'POST');
        assert.equal(r.route, '/v1/completions');
        assert.equal(r.model, 'stories');
        assert.equal(r.status, 200);
        assert.equal(r.completion_tokens, 4);
        assert.ok(r.prompt_tokens > 0 && r.ttft_ms >= 0 && r.duration_ms >= r.ttft_ms, JSON.stringify(r));
        assert.ok(!server.output().includes('secret-prompt-marker'), 'a prompt reached the log');
    });
});

describe('the request log with --log-prompts, in text', () => {
    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    test('text lines name the request, and carry the body only when asked', async () => {
        const dir = await makeTempDir('obs-text');
        await copyFileIn(dir, 'stories.gguf', sharedModel('stories260K/stories260K-f32.gguf'));
        const server = await startServer({ modelsDir: dir, args: ['--threads', '1', '--log-prompts'] });
        const res = await completion(server.baseURL, { model: 'stories', prompt: PROMPT, max_tokens: 2 },
            { 'x-request-id': 'text-1' });
        assert.equal(res.status, 200);
        await new Promise((resolve) => setTimeout(resolve, 200));
        const line = server.output().split('\n').find((l) => l.includes('request id=text-1 '));
        assert.ok(line, server.output());
        assert.match(line, / method=POST route=\/v1\/completions model=stories status=200 /);
        assert.ok(line.includes('secret-prompt-marker'), line);
    });
});
