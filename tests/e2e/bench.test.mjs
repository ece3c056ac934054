// `hearth bench serve` and `hearth bench --list`: a serving benchmark against a local hearth on the real
// stories260K model gives sane numbers and stores them; against a server that answers 500 or a port that
// refuses connections it counts every request as an error and exits 1; misuse exits 2.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
    copyFileIn, makeTempDir, removeTempDirs, runHearth, sharedModel, startServer, stopAllServers,
} from './lib/server.mjs';

const BENCH_TIMEOUT_MS = 120_000;

function assertOrdered(d, what) {
    assert.ok(d.p50 <= d.p90 && d.p90 <= d.p99 && d.p99 <= d.max, `${what} percentiles out of order: ` +
        JSON.stringify(d));
}

function listen(handler) {
    const server = http.createServer(handler);
    return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('hearth bench', () => {
    let dir;
    let db;
    let server;

    before(async () => {
        dir = await makeTempDir('bench');
        db = path.join(dir, 'results.db');
        const models = path.join(dir, 'models');
        await copyFileIn(models, 'stories.gguf', sharedModel('stories260K/stories260K-f32.gguf'));
        server = await startServer({ modelsDir: models, args: ['--threads', '1', '--np', '2'], builtinVoice: true });
    });
    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    test('serve: sane numbers against a local hearth, stored in the database', async () => {
        const r = await runHearth(['bench', 'serve', '--url', server.baseURL, '-m', 'stories', '--endpoint',
            'completions', '-c', '1,2', '-n', '6', '--input-tokens', '8', '--output-tokens', '24', '--json',
            '--server-pid', String(server.proc.pid), '--label', 'e2e', '--db', db], { timeoutMs: BENCH_TIMEOUT_MS });
        assert.equal(r.code, 0, r.output);
        const out = JSON.parse(r.stdout);
        assert.equal(out.model, 'stories');
        assert.deepEqual(out.levels.map((l) => l.concurrency), [1, 2]);
        for (const level of out.levels) {
            assert.equal(level.requests, 6);
            assert.equal(level.ok, 6, JSON.stringify(level.error_samples));
            assert.equal(level.errors, 0);
            assert.ok(level.output_tokens_per_s > 0);
            assert.equal(level.mean_output_tokens, 24);  // ignore_eos: the whole requested length
            assert.ok(level.mean_input_tokens >= 8, `prompt tokens ${level.mean_input_tokens}`);
            for (const name of ['ttft_ms', 'itl_ms', 'tpot_ms', 'e2e_ms']) {
                assertOrdered(level[name], name);
            }
            assert.equal(level.itl_ms.count, 6 * 23);  // one gap between each two streamed tokens
            assert.ok(level.ttft_ms.p50 <= level.e2e_ms.p50);
            assert.ok(typeof level.server_cpu_s === 'number' && level.server_cpu_s >= 0, `server CPU ${level.server_cpu_s}`);
        }
        const list = await runHearth(['bench', '--list', '--db', db]);
        assert.equal(list.code, 0, list.output);
        const rows = list.stdout.split('\n').filter((line) => /\be2e\b.*\bstories\b/.test(line));
        assert.equal(rows.length, 2, list.stdout);
    });

    test('serve --endpoint speech: seconds of audio and the first audio byte, from flite, stored', async () => {
        const text = 'A short sentence to speak. And a second one.';
        const prompts = path.join(dir, 'speech.jsonl');
        await writeFile(prompts, `${JSON.stringify({ prompt: text })}\n`);
        const direct = await fetch(`${server.baseURL}/v1/audio/speech`, { method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'flite', input: text, response_format: 'pcm' }) });
        const seconds = (await direct.arrayBuffer()).byteLength / 2 / 24000;
        const r = await runHearth(['bench', 'serve', '--url', server.baseURL, '-m', 'flite', '--endpoint', 'speech',
            '--voice', 'alloy', '--prompts', prompts, '-c', '1,2', '-n', '4', '--json', '--label', 'e2e-speech',
            '--db', db], { timeoutMs: BENCH_TIMEOUT_MS });
        assert.equal(r.code, 0, r.output);
        const out = JSON.parse(r.stdout);
        for (const level of out.levels) {
            assert.equal(level.ok, 4, JSON.stringify(level.error_samples));
            assert.ok(Math.abs(level.mean_audio_s - seconds) < 1e-9, `${level.mean_audio_s} s, ${seconds} s alone`);
            assert.ok(Math.abs(level.audio_seconds_per_s - 4 * seconds / level.duration_s) < 1e-6 * seconds,
                JSON.stringify(level));
            assertOrdered(level.ttft_ms, 'ttft_ms');
            assert.ok(level.ttft_ms.p50 > 0 && level.ttft_ms.p50 <= level.e2e_ms.p50, JSON.stringify(level));
        }
        const table = await runHearth(['bench', 'serve', '--url', server.baseURL, '-m', 'flite', '--endpoint',
            'speech', '--prompts', prompts, '-c', '1', '-n', '1', '--no-db'], { timeoutMs: BENCH_TIMEOUT_MS });
        assert.match(table.stdout, /audio [0-9.]+ s per wall second/);
        const list = await runHearth(['bench', '--list', '--db', db]);
        assert.equal(list.stdout.split('\n').filter((line) => /\be2e-speech\b.*\bspeech\b/.test(line)).length, 2,
            list.stdout);
        const bad = await runHearth(['bench', 'serve', '--url', server.baseURL, '-m', 'stories', '--endpoint', 'speech',
            '-c', '1', '-n', '2', '--input-tokens', '4', '--no-db', '--json'], { timeoutMs: BENCH_TIMEOUT_MS });
        assert.equal(bad.code, 1, bad.output);
        assert.match(JSON.parse(bad.stdout).levels[0].error_samples[0], /HTTP 400/);
    });

    test('serve --request-rate: open loop, one level per rate, SLO goodput, stored', async () => {
        const r = await runHearth(['bench', 'serve', '--url', server.baseURL, '-m', 'stories', '--endpoint',
            'completions', '--request-rate', '20,40', '--max-concurrency', '8', '-n', '8', '--input-tokens', '8',
            '--output-tokens', '16', '--slo-ttft', '60000', '--slo-tpot', '60000', '--arrival-seed', '3', '--json',
            '--label', 'open', '--db', db], { timeoutMs: BENCH_TIMEOUT_MS });
        assert.equal(r.code, 0, r.output);
        const out = JSON.parse(r.stdout);
        assert.equal(out.slo_ttft_ms, 60000);
        assert.deepEqual(out.levels.map((l) => l.request_rate), [20, 40]);
        for (const level of out.levels) {
            assert.equal(level.concurrency, 8);
            assert.equal(level.ok, 8, JSON.stringify(level.error_samples));
            assert.equal(level.slo_met, 8);  // generous SLOs: every success meets them
            assert.equal(level.slo_attainment, 1);
            assert.ok(Math.abs(level.goodput - 8 / level.duration_s) < 1e-6, JSON.stringify(level));
        }
        // An SLO nothing meets: attainment 0, goodput 0, yet every request succeeded (exit 0).
        const strict = await runHearth(['bench', 'serve', '--url', server.baseURL, '-m', 'stories', '--endpoint',
            'completions', '--request-rate', '50', '-n', '4', '--input-tokens', '8', '--output-tokens', '8',
            '--slo-ttft', '0.001', '--json', '--no-db'], { timeoutMs: BENCH_TIMEOUT_MS });
        assert.equal(strict.code, 0, strict.output);
        const level = JSON.parse(strict.stdout).levels[0];
        assert.equal(level.ok, 4);
        assert.equal(level.slo_met, 0);
        assert.equal(level.goodput, 0);
        const list = await runHearth(['bench', '--list', '--json', '--db', db]);
        assert.equal(list.code, 0, list.output);
        const stored = JSON.parse(list.stdout).serve_runs.filter((row) => row.label === 'open');
        assert.deepEqual(stored.map((row) => row.request_rate).sort(), [20, 40]);
        assert.ok(stored.every((row) => row.slo_met === 8 && row.slo_ttft_ms === 60000), JSON.stringify(stored));
    });

    test('bench --plot: the stored runs as SVG, valid XML, a series per run on the chosen axis', async () => {
        // Parsed by Python's XML parser: a file that is not well-formed XML fails here.
        const parse = (file) => JSON.parse(execFileSync('python3', ['-c', `
import json, sys, xml.etree.ElementTree as ET
ns = {'s': 'http://www.w3.org/2000/svg'}
root = ET.parse(sys.argv[1]).getroot()
series = [''.join(g.find('s:text', ns).itertext()) for g in root.iter('{http://www.w3.org/2000/svg}g')
          if g.get('class') == 'series']
lines = [p.get('data-series') for p in root.iter('{http://www.w3.org/2000/svg}polyline')]
print(json.dumps({'root': root.tag, 'series': series, 'lines': lines}))`, file], { encoding: 'utf8' }));
        const closed = path.join(dir, 'closed.svg');
        const r = await runHearth(['bench', '--plot', closed, '--plot-axis', 'concurrency', '--db', db]);
        assert.equal(r.code, 0, r.output);
        const svg = parse(closed);
        assert.equal(svg.root, '{http://www.w3.org/2000/svg}svg');
        assert.deepEqual(svg.series.sort(), ['e2e, stories (completions)', 'e2e-speech, flite (speech)'].sort());
        for (const index of ['0', '1']) {
            assert.ok(svg.lines.filter((s) => s === index).length >= 6, `series ${index} lacks its lines: ${svg.lines}`);
        }
        const open = path.join(dir, 'open.svg');
        const rate = await runHearth(['bench', '--plot', open, '--db', db, '--plot-axis', 'rate']);
        assert.equal(rate.code, 0, rate.output);
        assert.deepEqual(parse(open).series, ['open, stories (completions)']);
        const none = await runHearth(['bench', '--plot', open, '--db', db, '--plot-labels', 'nosuch']);
        assert.equal(none.code, 1, none.output);
        assert.match(none.stderr, /no stored serve runs/);
        const unwritable = await runHearth(['bench', '--plot', path.join(db, 'under-a-file.svg'), '--db', db]);
        assert.equal(unwritable.code, 1, unwritable.output);
    });

    test('serve: lengths from a range or a file, bursty arrivals, rate inf', async () => {
        const lengths = path.join(dir, 'lengths.csv');
        await writeFile(lengths, 'input,output\n8,3\n12,5\n');
        const r = await runHearth(['bench', 'serve', '--url', server.baseURL, '-m', 'stories', '--endpoint',
            'completions', '--request-rate', '30,inf', '--burstiness', '0.5', '--max-concurrency', '4', '-n', '6',
            '--lengths', lengths, '--json', '--no-db'], { timeoutMs: BENCH_TIMEOUT_MS });
        assert.equal(r.code, 0, r.output);
        const levels = JSON.parse(r.stdout).levels;
        assert.deepEqual(levels.map((l) => l.request_rate), [30, 0]);  // inf: every request at once
        for (const level of levels) {
            assert.equal(level.ok, 6, JSON.stringify(level.error_samples));
            assert.equal(level.mean_output_tokens, 4);  // 3, 5, 3, 5, 3, 5
        }
        const ranged = await runHearth(['bench', 'serve', '--url', server.baseURL, '-m', 'stories', '--endpoint',
            'completions', '-c', '2', '-n', '8', '--input-tokens', '4', '--input-tokens-max', '16',
            '--output-tokens', '2', '--output-tokens-max', '9', '--json', '--no-db'], { timeoutMs: BENCH_TIMEOUT_MS });
        assert.equal(ranged.code, 0, ranged.output);
        const level = JSON.parse(ranged.stdout).levels[0];
        assert.ok(level.mean_output_tokens >= 2 && level.mean_output_tokens <= 9, JSON.stringify(level));
        assert.notEqual(level.tpot_ms.count, 0);
        await writeFile(lengths, '8,3\n12;5\n');
        const bad = await runHearth(['bench', 'serve', '--url', server.baseURL, '-m', 'stories', '--lengths',
            lengths, '--no-db']);
        assert.equal(bad.code, 2, bad.output);
        assert.match(bad.stderr, /lengths\.csv:2/);
    });

    test('serve --goodput: bisection over rates for the highest one within the SLOs', async () => {
        const common = ['bench', 'serve', '--url', server.baseURL, '-m', 'stories', '--endpoint', 'completions',
            '-n', '4', '--input-tokens', '8', '--output-tokens', '4', '--max-concurrency', '4', '--json', '--no-db'];
        const easy = await runHearth([...common, '--goodput', '--request-rate', '5,40', '--slo-ttft', '60000'],
            { timeoutMs: BENCH_TIMEOUT_MS });
        assert.equal(easy.code, 0, easy.output);
        const found = JSON.parse(easy.stdout);
        assert.equal(found.goodput_rate, 40);  // the high end passed: nothing more to measure
        assert.deepEqual(found.levels.map((l) => l.request_rate), [40]);
        const none = await runHearth([...common, '--goodput', '--goodput-steps', '1', '--request-rate', '40,5',
            '--slo-ttft', '0.001'], { timeoutMs: BENCH_TIMEOUT_MS });
        assert.equal(none.code, 0, none.output);
        const failed = JSON.parse(none.stdout);
        assert.equal(failed.goodput_rate, 0);  // not even the lowest rate keeps 90% within a 1 us TTFT
        assert.deepEqual(failed.levels.map((l) => l.request_rate), [40, 22.5, 5]);  // high, one bisection, low
        for (const args of [['--goodput', '--request-rate', '5,40'], ['--goodput', '--slo-ttft', '100',
            '--request-rate', '5']]) {
            const r = await runHearth([...common, ...args]);
            assert.equal(r.code, 2, `${args.join(' ')}: ${r.output}`);
            assert.match(r.stderr, /--goodput needs/);
        }
    });

    test('serve: a server answering 500 counts every request as an error', async () => {
        let hits = 0;
        const broken = await listen((req, res) => {
            hits += 1;
            req.resume();
            req.on('end', () => {
                res.writeHead(500, { 'Content-Type': 'application/json' });
                res.end('{"error":{"message":"broken on purpose"}}');
            });
        });
        try {
            const url = `http://127.0.0.1:${broken.address().port}`;
            const r = await runHearth(['bench', 'serve', '--url', url, '-m', 'x', '-c', '2', '-n', '5', '--json',
                '--no-db'], { timeoutMs: BENCH_TIMEOUT_MS });
            assert.equal(r.code, 1, r.output);
            const level = JSON.parse(r.stdout).levels[0];
            assert.equal(level.requests, 5);
            assert.equal(level.errors, 5);
            assert.equal(level.ok, 0);
            assert.equal(hits, 5);
            assert.match(level.error_samples[0], /HTTP 500.*broken on purpose/);
        } finally {
            broken.close();
        }
    });

    test('serve: a refused port counts every request as an error', async () => {
        const closed = await listen(() => {});
        const { port } = closed.address();
        await new Promise((resolve) => closed.close(resolve));
        const r = await runHearth(['bench', 'serve', '--url', `http://127.0.0.1:${port}`, '-m', 'x', '-c', '1,3',
            '-n', '4', '--json', '--no-db'], { timeoutMs: BENCH_TIMEOUT_MS });
        assert.equal(r.code, 1, r.output);
        for (const level of JSON.parse(r.stdout).levels) {
            assert.equal(level.errors, 4);
            assert.equal(level.ok, 0);
            assert.match(level.error_samples[0], /cannot connect/);
        }
    });

    test('misuse exits 2 with a message', async () => {
        for (const args of [['bench'], ['bench', 'serve', '--url', 'https://x:1', '-m', 'm'],
            ['bench', 'serve', '-m', 'm', '-c', '0'], ['bench', 'serve', '--url', 'http://127.0.0.1:1'],
            ['bench', 'serve', '-m', 'm', '--request-rate', '-1'], ['bench', 'serve', '-m', 'm', '--slo-ttft', '-5'],
            ['bench', 'serve', '-m', 'm', '--request-rate', 'fast'], ['bench', 'serve', '-m', 'm', '--request-rate', '0'],
            ['bench', 'serve', '-m', 'm', '--burstiness', '0'], ['bench', 'serve', '-m', 'm', '--input-tokens-max', '-1']]) {
            const r = await runHearth(args);
            assert.notEqual(r.code, 0, `${args.join(' ')}: ${r.output}`);
            assert.ok(r.code === 2 || r.code >= 100, `${args.join(' ')}: code ${r.code}`);  // CLI11 usage codes
            assert.ok(r.stderr.trim().length > 0, `${args.join(' ')}: no message`);
        }
    });
});
