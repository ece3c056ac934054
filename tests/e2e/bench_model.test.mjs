// `hearth bench MODEL`, the engine benchmark: on a tiny generated llama it measures pp and tg tests with
// every repetition, sweeps comma-separated options, identifies the file (its SHA-256 checked here against
// Node's own), and stores one row per test with every field (read back through `hearth bench --list --json`).
// Bad input gets one clear line and a non-zero exit.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { makeTempDir, mkmodel, removeTempDirs, runHearth } from './lib/server.mjs';

const BENCH_TIMEOUT_MS = 120_000;

describe('hearth bench MODEL', () => {
    let dir;
    let db;
    let model;
    let digest;

    before(async () => {
        dir = await makeTempDir('bench-model');
        db = path.join(dir, 'results.db');
        model = await mkmodel('tiny-llama', path.join(dir, 'tiny-llama-q8_0.gguf'), { type: 'q8_0' });
        digest = crypto.createHash('sha256').update(fs.readFileSync(model)).digest('hex');
    });
    after(removeTempDirs);

    test('pp and tg tests: every repetition measured, the file identified, rows stored', async () => {
        const r = await runHearth(['bench', model, '-p', '32', '-n', '8', '-r', '3', '-t', '1', '--label', 'e2e',
            '--db', db, '--json'], { timeoutMs: BENCH_TIMEOUT_MS });
        assert.equal(r.code, 0, r.output);
        const runs = JSON.parse(r.stdout);
        assert.deepEqual(runs.map((run) => run.test), ['pp32', 'tg8']);
        for (const run of runs) {
            assert.equal(run.repetitions, 3);
            assert.equal(run.samples.length, 3);
            assert.ok(run.samples.every((s) => s > 0), JSON.stringify(run.samples));
            const mean = run.samples.reduce((a, b) => a + b, 0) / 3;
            assert.ok(Math.abs(run.tokens_per_s.mean - mean) < 1e-6 * mean, JSON.stringify(run));
            assert.ok(run.tokens_per_s.stddev >= 0);
            assert.equal(run.model.sha256, digest);
            assert.equal(run.model.size_bytes, fs.statSync(model).size);
            assert.equal(run.model.name, 'tiny-llama-q8_0.gguf');
            assert.equal(run.model.architecture, 'llama');
            assert.equal(run.model.quantization, 'Q8_0');
            assert.ok(run.model.n_params > 0);
            assert.equal(run.settings.threads, 1);
        }
        assert.equal(runs[0].n_prompt, 32);
        assert.equal(runs[1].n_gen, 8);

        const list = await runHearth(['bench', '--list', '--json', '--db', db]);
        assert.equal(list.code, 0, list.output);
        const rows = JSON.parse(list.stdout).model_runs;
        assert.equal(rows.length, 2);
        assert.deepEqual(rows.map((row) => row.test), ['tg8', 'pp32']);  // newest first
        for (const row of rows) {
            for (const [column, value] of Object.entries(row)) {
                if (column === 'gpu') {
                    assert.equal(typeof value, 'string');  // empty on a machine without one
                    continue;
                }
                assert.ok(value !== null && value !== '', `column ${column} is empty`);
            }
            assert.equal(row.model_sha256, digest.slice(0, 16));
            assert.equal(row.label, 'e2e');
            assert.equal(row.repetitions, 3);
            assert.match(row.build, /hearth .*llama/);
            assert.ok(row.cpu_cores > 0);
            assert.equal(JSON.parse(row.samples).length, 3);
        }
        const table = await runHearth(['bench', '--list', '--db', db]);
        assert.equal(table.code, 0, table.output);
        assert.match(table.stdout, new RegExp(`tiny-llama-q8_0\\.gguf.*${digest.slice(0, 16)}.*tg8`));
    });

    test('comma-separated values sweep; the table shows each point', async () => {
        const r = await runHearth(['bench', model, '-p', '16', '-n', '0', '-r', '1', '-t', '1,2', '-b', '8,16',
            '--no-db'], { timeoutMs: BENCH_TIMEOUT_MS });
        assert.equal(r.code, 0, r.output);
        const lines = r.stdout.split('\n').filter((line) => line.includes('pp16'));
        assert.equal(lines.length, 4, r.stdout);
        for (const [threads, batch] of [[1, 8], [2, 8], [1, 16], [2, 16]]) {
            assert.ok(lines.some((line) => new RegExp(`\\|\\s+${threads} \\|\\s+${batch} \\|`).test(line)),
                `no row for threads ${threads}, batch ${batch}:\n${r.stdout}`);
        }
    });

    test('bad input: one clear line and a non-zero exit', async () => {
        const notModel = path.join(dir, 'not-a-model.gguf');
        fs.writeFileSync(notModel, 'hello, I am not a GGUF file\n');
        const cases = [
            [[path.join(dir, 'missing.gguf')], 1, /missing\.gguf/],
            [[notModel], 1, /not-a-model\.gguf/],
            [[model, '--cache-type-k', 'q9'], 1, /unknown KV cache type 'q9'/],
            [[model, '--device', 'nope'], 1, /unknown device 'nope'/],
            [[model, '--cache-type-v', 'q8_0', '--flash-attn', 'off'], 1, /needs flash attention/],
            [[model, '-r', '0'], 2, /-r/],
            [[model, '--flash-attn', 'maybe'], 2, /flash-attn/],
            [[model, '-p', '0', '-n', '0'], 2, /nothing to run/],
        ];
        for (const [args, code, message] of cases) {
            const r = await runHearth(['bench', ...args, '--no-db'], { timeoutMs: BENCH_TIMEOUT_MS });
            assert.equal(r.code, code, `${args.join(' ')}: ${r.output}`);
            assert.match(r.stderr, message, args.join(' '));
            assert.equal(r.stdout, '', args.join(' '));
        }
    });
});
