// `hearth pull` against a fake Hugging Face hub (lib/fake_hub.mjs): which files a reference picks (the default
// tag, an explicit tag in any case, a file path, hf.co/ and https://huggingface.co/ URLs, split parts, whisper's
// ggml-*.bin), where they land and the manifest that records them; resuming after a cut connection, refusing a
// wrong hash, the hub's 401/403/404 answers, the token kept off the CDN, a slow and a stalled CDN, a full disk
// (advertised and real), two pulls of one file at once, HEARTH_OFFLINE, and `hearth list` / `hearth rm --files`.
// The API form of pull (POST /v1/models/pull) is in pull_api.test.mjs.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { assertSentOnce, fakeGguf, startFakeHub } from './lib/fake_hub.mjs';
import {
    HEARTH_BIN, HEARTH_MKMODEL, makeTempDir, mkmodel, removeTempDirs, runHearth, runProcess,
} from './lib/server.mjs';

// The developer's own hub settings must not reach the processes under test.
for (const name of ['HF_TOKEN', 'HF_ENDPOINT', 'HEARTH_OFFLINE']) {
    delete process.env[name];
}

const COMMIT = 'c0ffee0000000000000000000000000000000001';
const PULL_TIMEOUT_MS = 30_000;

function sha256File(file) {
    return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

// Every regular file under dir, as paths relative to it, sorted.
function filesUnder(dir) {
    return fs.readdirSync(dir, { recursive: true }).map(String)
        .filter((rel) => fs.statSync(path.join(dir, rel)).isFile()).sort();
}

// The model files (and partial downloads) under dir: what a pull wrote, less the manifest and any lock.
function modelFilesUnder(dir) {
    return filesUnder(dir).filter((rel) => /\.(gguf|bin|part)$/.test(rel));
}

function readManifest(dir, repo) {
    return JSON.parse(fs.readFileSync(path.join(dir, repo, 'hearth-pull.json'), 'utf8'));
}

function lastLine(text) {
    return text.trimEnd().split('\n').at(-1);
}

// A failed pull: exit 1 by itself, and its message on stderr in the one format.
function assertPullFailed(r, message) {
    assert.equal(r.timedOut, false, `still running at its time limit; output:\n${r.output}`);
    assert.equal(r.code, 1, r.output);
    assert.match(r.stderr, /hearth pull: error: /, r.stderr);
    assert.match(r.stderr, message);
}

describe('hearth pull', () => {
    let hub;
    let home;
    let work;
    let splitError = null;

    // `hearth pull ARGS` with a throw-away HEARTH_HOME, so that no developer config is read or written.
    const hearth = (args, { env = {}, timeoutMs = PULL_TIMEOUT_MS } = {}) =>
        runHearth(args, { env: { HEARTH_HOME: home, ...env }, timeoutMs });
    // Pulls ref into dir from the fake hub.
    const pull = (ref, dir, more = [], opts = {}) =>
        hearth(['pull', ref, '--models-dir', dir, '--endpoint', hub.url, ...more], opts);
    // The CDN's GETs for one file since log index `since`.
    const cdnGets = (key, since) => hub.log.slice(since)
        .filter((e) => e.host === 'cdn' && e.method === 'GET' && e.sha256 === hub.files[key].sha256);

    before(async () => {
        home = await makeTempDir('pull-home');
        work = await makeTempDir('pull-src');
        const model = (file, opts) => mkmodel('tiny-qwen3', path.join(work, file), opts);
        const q8 = await model('Tiny-Qwen3-Q8_0.gguf', { type: 'q8_0' });
        const f16 = await model('Tiny-Qwen3-F16.gguf', { type: 'f16' });
        // mkmodel() checks for its -o file, which a split model does not write: run hearth-mkmodel here.
        const made = await runProcess(HEARTH_MKMODEL, ['--preset', 'tiny-qwen3', '--type', 'q8_0', '--seed', '2',
            '--split-count', '3', '-o', path.join(work, 'Tiny-Split-Q8_0.gguf')], { timeoutMs: 120_000 });
        if (made.code !== 0) {
            splitError = new Error(`hearth-mkmodel --split-count: ${made.output}`);  // only the split test fails
        }
        const whisper = await mkmodel('tiny-whisper', path.join(work, 'ggml-tiny.bin'));
        const read = (file) => fs.readFileSync(path.isAbsolute(file) ? file : path.join(work, file));
        const split = (i) => `Tiny-Split-Q8_0-0000${i}-of-00003.gguf`;
        hub = await startFakeHub({ repos: {
            'org/tiny': { commit: COMMIT,
                files: { 'Tiny-Qwen3-Q8_0.gguf': read(q8), 'Tiny-Qwen3-F16.gguf': read(f16) } },
            // Sizes chosen so that the smallest file of at least 4 bits (Q6_K) is neither the first nor the
            // smallest file (Q2_K); README.md is no model file at all.
            'org/quants': { commit: COMMIT, files: {
                'README.md': Buffer.from('# quants\n'),
                'Quants-Q2_K.gguf': fakeGguf(1000, 1), 'Quants-Q3_K_M.gguf': fakeGguf(2000, 2),
                'Quants-Q5_K_M.gguf': fakeGguf(5000, 3), 'Quants-Q6_K.gguf': fakeGguf(3000, 4),
                'Quants-Q8_0.gguf': fakeGguf(6000, 5), 'quants.f16.gguf': fakeGguf(9000, 6),
                'sub/Quants-IQ4_XS.gguf': fakeGguf(4000, 7) } },
            // Q4_K_M wins even when it is the largest.
            'org/q4km': { commit: COMMIT,
                files: { 'M-Q5_K_S.gguf': fakeGguf(3000, 8), 'M-Q4_K_M.gguf': fakeGguf(7000, 9) } },
            // Nothing of at least 4 bits: the smallest model file.
            'org/lowbit': { commit: COMMIT, files: { 'L-Q2_K.gguf': fakeGguf(2000, 10),
                'L-Q3_K_S.gguf': fakeGguf(1500, 11), 'L-IQ3_XXS.gguf': fakeGguf(1800, 12) } },
            'org/split': { commit: COMMIT, files: { 'Tiny-Split-F16.gguf': fakeGguf(3000, 13), ...(splitError ? {}
                : { [split(1)]: read(split(1)), [split(2)]: read(split(2)), [split(3)]: read(split(3)) }) } },
            'ggerganov/whisper.cpp': { commit: COMMIT, files: { 'ggml-tiny.bin': read(whisper),
                'ggml-base.bin': fakeGguf(9000, 14) } },
            'org/gated': { commit: COMMIT, files: { 'Gated-Q4_K_M.gguf': fakeGguf(50_000, 15) }, gated: true,
                tokens: ['hf_good'] },
            'org/resume': { commit: COMMIT, files: { 'Resume-Q8_0.gguf': fakeGguf(1_000_000, 16) } },
            'org/corrupt': { commit: COMMIT, files: { 'Corrupt-Q8_0.gguf': fakeGguf(200_000, 17) } },
            'org/slow': { commit: COMMIT, files: { 'Slow-Q8_0.gguf': fakeGguf(600_000, 18) } },
            'org/stall': { commit: COMMIT, files: { 'Stall-Q8_0.gguf': fakeGguf(500_000, 19) } },
            'org/huge': { commit: COMMIT, files: { 'Huge-Q8_0.gguf': fakeGguf(10_000, 20) } },
            'org/diskfull': { commit: COMMIT, files: { 'Full-Q8_0.gguf': fakeGguf(2 * 1024 * 1024, 21) } },
            'org/shared': { commit: COMMIT, files: { 'Shared-Q8_0.gguf': fakeGguf(800_000, 22) } },
        } });
    });
    after(async () => {
        await hub?.stop();
        await removeTempDirs();
    });

    test('pull --help documents the command', async () => {
        const r = await hearth(['pull', '--help']);
        assert.equal(r.code, 0, r.output);
        for (const option of ['--models-dir', '--token', '--endpoint', '--stall-timeout']) {
            assert.ok(r.stdout.includes(option), `${option} missing from:\n${r.stdout}`);
        }
    });

    test('default tag: Q4_K_M when present, else the smallest of at least 4 bits, else the smallest', async () => {
        const since = hub.log.length;
        const dir = await makeTempDir('pull');
        let r = await pull('org/quants', dir);
        assert.equal(r.code, 0, r.output);
        assert.equal(lastLine(r.stdout), 'pulled org/quants:Q6_K');
        assert.deepEqual(modelFilesUnder(dir), ['org/quants/Quants-Q6_K.gguf']);
        const manifest = readManifest(dir, 'org/quants');
        assert.equal(manifest.repo, 'org/quants');
        assert.equal(manifest.endpoint, hub.url);
        assert.equal(manifest.models.length, 1, JSON.stringify(manifest));
        const [entry] = manifest.models;
        assert.equal(entry.name, 'org/quants:Q6_K');
        assert.equal(entry.tag, 'Q6_K');
        assert.equal(entry.revision, COMMIT);
        assert.match(entry.pulled_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
        assert.ok(Math.abs(Date.parse(entry.pulled_at) - Date.now()) < 60_000, entry.pulled_at);
        assert.deepEqual(entry.files, [{ path: 'Quants-Q6_K.gguf', size: 3000, role: 'model',
            sha256: hub.files['Quants-Q6_K.gguf'].sha256 }]);
        assert.equal(sha256File(path.join(dir, 'org/quants/Quants-Q6_K.gguf')), hub.files['Quants-Q6_K.gguf'].sha256);
        // Only the chosen file's bytes came from the CDN.
        const cdn = hub.log.slice(since).filter((e) => e.host === 'cdn' && e.method === 'GET');
        assert.ok(cdn.length >= 1 && cdn.every((e) => e.sha256 === hub.files['Quants-Q6_K.gguf'].sha256),
            JSON.stringify(cdn));

        r = await pull('org/q4km', dir);
        assert.equal(r.code, 0, r.output);
        assert.equal(lastLine(r.stdout), 'pulled org/q4km:Q4_K_M');
        r = await pull('org/lowbit', dir);
        assert.equal(r.code, 0, r.output);
        assert.equal(lastLine(r.stdout), 'pulled org/lowbit:Q3_K_S');
        assert.deepEqual(modelFilesUnder(dir), ['org/lowbit/L-Q3_K_S.gguf', 'org/q4km/M-Q4_K_M.gguf',
            'org/quants/Quants-Q6_K.gguf']);
    });

    test('an explicit tag in lowercase, and a second tag of the same repo in the same manifest', async () => {
        const dir = await makeTempDir('pull');
        let r = await pull('org/quants:q8_0', dir);
        assert.equal(r.code, 0, r.output);
        assert.equal(lastLine(r.stdout), 'pulled org/quants:Q8_0');
        // `quants.f16.gguf`: the tag comes from the name however it is written.
        r = await pull('org/quants:f16', dir);
        assert.equal(r.code, 0, r.output);
        assert.equal(lastLine(r.stdout), 'pulled org/quants:F16');
        const manifest = readManifest(dir, 'org/quants');
        assert.deepEqual(manifest.models.map((m) => [m.name, m.tag, m.files.map((f) => f.path)]).sort(), [
            ['org/quants:F16', 'F16', ['quants.f16.gguf']], ['org/quants:Q8_0', 'Q8_0', ['Quants-Q8_0.gguf']]]);
        assert.deepEqual(modelFilesUnder(dir), ['org/quants/Quants-Q8_0.gguf', 'org/quants/quants.f16.gguf']);
    });

    test('org/repo/file, hf.co/ and https://huggingface.co/ references; HF_ENDPOINT and HEARTH_MODELS', async () => {
        const dir = await makeTempDir('pull');
        const cases = [
            ['org/quants/Quants-Q5_K_M.gguf', 'org/quants:Q5_K_M'],
            ['org/quants/sub/Quants-IQ4_XS.gguf', 'org/quants:IQ4_XS'],
            ['hf.co/org/quants:q2_k', 'org/quants:Q2_K'],
            ['hf.co/org/q4km', 'org/q4km:Q4_K_M'],
            ['https://huggingface.co/org/lowbit', 'org/lowbit:Q3_K_S'],
            ['https://huggingface.co/org/quants/resolve/main/Quants-Q8_0.gguf', 'org/quants:Q8_0'],
        ];
        for (const [ref, name] of cases) {
            const r = await pull(ref, dir);
            assert.equal(r.code, 0, `${ref}: ${r.output}`);
            assert.equal(lastLine(r.stdout), `pulled ${name}`, ref);
        }
        assert.deepEqual(modelFilesUnder(dir), ['org/lowbit/L-Q3_K_S.gguf', 'org/q4km/M-Q4_K_M.gguf',
            'org/quants/Quants-Q2_K.gguf', 'org/quants/Quants-Q5_K_M.gguf', 'org/quants/Quants-Q8_0.gguf',
            'org/quants/sub/Quants-IQ4_XS.gguf']);
        // The hub from HF_ENDPOINT, the directory from HEARTH_MODELS; --endpoint wins over HF_ENDPOINT.
        const other = await makeTempDir('pull');
        let r = await hearth(['pull', 'org/quants:Q6_K'], { env: { HF_ENDPOINT: hub.url, HEARTH_MODELS: other } });
        assert.equal(r.code, 0, r.output);
        r = await hearth(['pull', 'org/quants:Q8_0', '--models-dir', other, '--endpoint', hub.url],
            { env: { HF_ENDPOINT: 'http://127.0.0.1:1' } });
        assert.equal(r.code, 0, r.output);
        assert.deepEqual(modelFilesUnder(other), ['org/quants/Quants-Q6_K.gguf', 'org/quants/Quants-Q8_0.gguf']);
    });

    test('split models: every part of the tag, under their own names', async () => {
        assert.ifError(splitError);  // hearth-mkmodel --split-count made the parts in before()
        const dir = await makeTempDir('pull');
        const r = await pull('org/split:q8_0', dir);
        assert.equal(r.code, 0, r.output);
        assert.equal(lastLine(r.stdout), 'pulled org/split:Q8_0');
        const parts = [1, 2, 3].map((i) => `Tiny-Split-Q8_0-0000${i}-of-00003.gguf`);
        assert.deepEqual(modelFilesUnder(dir), parts.map((p) => `org/split/${p}`));
        const [entry] = readManifest(dir, 'org/split').models;
        assert.deepEqual(entry.files.map((f) => f.path), parts);
        // The first part is the one a loader opens; the others come with it.
        assert.deepEqual(entry.files.map((f) => f.role), ['model', 'part', 'part']);
        for (const f of entry.files) {
            assert.equal(f.sha256, hub.files[f.path].sha256, f.path);
            assert.equal(sha256File(path.join(dir, 'org/split', f.path)), f.sha256, f.path);
        }
        const list = await hearth(['list', '--models-dir', dir]);
        assert.equal(list.code, 0, list.output);
        assert.ok(list.stdout.includes('org/split:Q8_0'), list.stdout);
    });

    test('whisper ggml-*.bin: the tag is the name between ggml- and .bin', async () => {
        const dir = await makeTempDir('pull');
        const r = await pull('ggerganov/whisper.cpp:tiny', dir);
        assert.equal(r.code, 0, r.output);
        assert.equal(lastLine(r.stdout), 'pulled ggerganov/whisper.cpp:tiny');
        assert.deepEqual(modelFilesUnder(dir), ['ggerganov/whisper.cpp/ggml-tiny.bin']);
        const [entry] = readManifest(dir, 'ggerganov/whisper.cpp').models;
        assert.equal(entry.tag, 'tiny');
        assert.equal(sha256File(path.join(dir, 'ggerganov/whisper.cpp/ggml-tiny.bin')),
            hub.files['ggml-tiny.bin'].sha256);
    });

    test('resume after a cut connection: a Range request for the rest, the right sha256', async () => {
        const dir = await makeTempDir('pull');
        const since = hub.log.length;
        const cut = 300_000;
        hub.behave('Resume-Q8_0.gguf', { cutAfter: cut });
        const target = path.join(dir, 'org/resume/Resume-Q8_0.gguf');
        let r = await pull('org/resume', dir);
        if (r.code !== 0) {
            // A pull may give up at the cut (the spec leaves retrying to it): its .part is what the next resumes.
            assertPullFailed(r, /./);
            assert.ok(fs.statSync(`${target}.part`).size > 0, 'no partial download kept');
            r = await pull('org/resume', dir);
        }
        assert.equal(r.code, 0, r.output);
        const gets = cdnGets('Resume-Q8_0.gguf', since);
        assert.equal(gets[0].state, 'cut', JSON.stringify(gets));
        assert.equal(gets.length, 2, JSON.stringify(gets));
        const m = /^bytes=(\d+)-$/.exec(gets[1].range ?? '');
        assert.ok(m && Number(m[1]) > 0 && Number(m[1]) <= cut, `resumed with ${gets[1].range}`);
        assert.equal(sha256File(target), hub.files['Resume-Q8_0.gguf'].sha256);
        assert.deepEqual(modelFilesUnder(dir), ['org/resume/Resume-Q8_0.gguf']);
    });

    test('a wrong hash: sha256 mismatch, neither the file nor its .part remains', async () => {
        const dir = await makeTempDir('pull');
        hub.behave('Corrupt-Q8_0.gguf', { corrupt: true });
        const r = await pull('org/corrupt', dir);
        assertPullFailed(r, /sha256 mismatch/);
        assert.deepEqual(modelFilesUnder(dir), []);
    });

    test('gated repo: 401 without a token, 403 with a wrong one, success with HF_TOKEN; the CDN never sees it',
        async () => {
            const dir = await makeTempDir('pull');
            let r = await pull('org/gated', dir);
            assertPullFailed(r, /needs authentication.*HF_TOKEN/);
            r = await pull('org/gated', dir, ['--token', 'hf_bad']);
            assertPullFailed(r, /refused.*403/);
            assert.deepEqual(modelFilesUnder(dir), []);

            let since = hub.log.length;
            r = await pull('org/gated', dir, [], { env: { HF_TOKEN: 'hf_good' } });
            assert.equal(r.code, 0, r.output);
            assert.equal(lastLine(r.stdout), 'pulled org/gated:Q4_K_M');
            const check = (what) => {
                const seen = hub.log.slice(since);
                const hubSide = seen.filter((e) => e.host === 'hub');
                const cdnSide = seen.filter((e) => e.host === 'cdn');
                assert.ok(hubSide.length >= 2 && cdnSide.length >= 1, `${what}: ${JSON.stringify(seen)}`);
                assert.ok(hubSide.every((e) => e.authorization === 'Bearer hf_good'),
                    `${what}: ${JSON.stringify(hubSide)}`);
                assert.ok(cdnSide.every((e) => e.authorization === null), `${what}: ${JSON.stringify(cdnSide)}`);
            };
            check('HF_TOKEN');
            // The same with --token, into a fresh directory (so that the file is fetched again).
            since = hub.log.length;
            r = await pull('org/gated', await makeTempDir('pull'), ['--token', 'hf_good']);
            assert.equal(r.code, 0, r.output);
            check('--token');
        });

    test('404: an unknown repo, and an unknown tag with the repo\'s tags listed', async () => {
        const dir = await makeTempDir('pull');
        let r = await pull('nope/missing', dir);
        assertPullFailed(r, /nope\/missing was not found/);
        r = await pull('org/tiny:Q3_K_S', dir);
        assertPullFailed(r, /has no file for tag Q3_K_S.*tags: F16, Q8_0/);
        assert.deepEqual(modelFilesUnder(dir), []);
    });

    test('a slow CDN (~200 KB/s): the pull waits it out, with progress lines on stderr', async () => {
        const dir = await makeTempDir('pull');
        hub.behave('Slow-Q8_0.gguf', { bytesPerSecond: 200_000 });
        const started = Date.now();
        const r = await pull('org/slow', dir);
        assert.equal(r.code, 0, r.output);
        assert.ok(Date.now() - started >= 2_500, 'the throttle did not hold');
        assert.equal(sha256File(path.join(dir, 'org/slow/Slow-Q8_0.gguf')), hub.files['Slow-Q8_0.gguf'].sha256);
        // Not a terminal: plain progress lines, more than one over three seconds.
        const progress = r.stderr.split('\n').filter((line) => line.includes('Slow-Q8_0.gguf'));
        assert.ok(progress.length >= 2, `progress lines:\n${r.stderr}`);
    });

    test('a stalled transfer fails with "stalled" within --stall-timeout plus a few seconds', async () => {
        const dir = await makeTempDir('pull');
        hub.behave('Stall-Q8_0.gguf', { stallAfter: 100_000 });
        const started = Date.now();
        const r = await pull('org/stall', dir, ['--stall-timeout', '2'], { timeoutMs: 20_000 });
        const seconds = (Date.now() - started) / 1000;
        assertPullFailed(r, /stalled/);
        assert.ok(seconds >= 2 && seconds < 7, `failed after ${seconds} s`);
    });

    test('an advertised size above the free space: not enough disk space, nothing written', async () => {
        const dir = await makeTempDir('pull');
        const since = hub.log.length;
        hub.behave('Huge-Q8_0.gguf', { advertiseSize: 1e15 });
        const r = await pull('org/huge', dir);
        assertPullFailed(r, /not enough disk space/);
        assert.deepEqual(filesUnder(dir), []);
        assert.deepEqual(cdnGets('Huge-Q8_0.gguf', since), []);
    });

    test('a disk that fills mid-file (1 MiB tmpfs, 2 MiB file advertised as 100 KB)', async () => {
        const dir = await makeTempDir('pull');
        hub.behave('Full-Q8_0.gguf', { advertiseSize: 100_000 });
        // A private mount namespace (user namespace: no root needed) mounts the small tmpfs over dir.
        const script = 'mount -t tmpfs -o size=1m tmpfs "$DIR" && exec "$HEARTH_BIN" pull org/diskfull ' +
            '--models-dir "$DIR" --endpoint "$ENDPOINT"';
        const r = await runProcess('unshare', ['--map-root-user', '--mount', 'sh', '-c', script],
            { env: { DIR: dir, HEARTH_BIN, ENDPOINT: hub.url, HEARTH_HOME: home }, timeoutMs: PULL_TIMEOUT_MS });
        assertPullFailed(r, /No space left|disk full/);
    });

    test('two pulls of one file at once both succeed; the CDN sends its bytes once', async () => {
        const dir = await makeTempDir('pull');
        const since = hub.log.length;
        hub.behave('Shared-Q8_0.gguf', { bytesPerSecond: 800_000 });
        const [a, b] = await Promise.all([pull('org/shared', dir), pull('org/shared', dir)]);
        for (const r of [a, b]) {
            assert.equal(r.code, 0, r.output);
            assert.equal(lastLine(r.stdout), 'pulled org/shared:Q8_0');
        }
        const shared = hub.files['Shared-Q8_0.gguf'];
        assert.equal(sha256File(path.join(dir, 'org/shared/Shared-Q8_0.gguf')), shared.sha256);
        assert.deepEqual(modelFilesUnder(dir), ['org/shared/Shared-Q8_0.gguf']);
        assertSentOnce(cdnGets('Shared-Q8_0.gguf', since), shared.size);
        assert.equal(readManifest(dir, 'org/shared').models.length, 1);
    });

    test('HEARTH_OFFLINE=1: refused, and the hub hears nothing', async () => {
        const dir = await makeTempDir('pull');
        const since = hub.log.length;
        const r = await pull('org/quants', dir, [], { env: { HEARTH_OFFLINE: '1' } });
        assertPullFailed(r, /offline/);
        assert.deepEqual(hub.log.slice(since), []);
        assert.deepEqual(modelFilesUnder(dir), []);
    });

    test('hearth list shows pulled models; hearth rm --files deletes one tag\'s files and manifest entry', async () => {
        const dir = await makeTempDir('pull');
        for (const ref of ['org/tiny:Q8_0', 'org/tiny:F16']) {
            const r = await pull(ref, dir);
            assert.equal(r.code, 0, r.output);
        }
        let list = await hearth(['list', '--models-dir', dir]);
        assert.equal(list.code, 0, list.output);
        assert.ok(list.stdout.includes('org/tiny:Q8_0') && list.stdout.includes('org/tiny:F16'), list.stdout);

        const r = await hearth(['rm', 'org/tiny:Q8_0', '--files', '--models-dir', dir]);
        assert.equal(r.code, 0, r.output);
        assert.deepEqual(modelFilesUnder(dir), ['org/tiny/Tiny-Qwen3-F16.gguf']);
        assert.deepEqual(readManifest(dir, 'org/tiny').models.map((m) => m.name), ['org/tiny:F16']);
        list = await hearth(['list', '--models-dir', dir]);
        assert.equal(list.code, 0, list.output);
        assert.ok(!list.stdout.includes('org/tiny:Q8_0'), list.stdout);
        assert.ok(list.stdout.includes('org/tiny:F16'), list.stdout);
    });
});
