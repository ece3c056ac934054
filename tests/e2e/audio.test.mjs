// Speech-to-text through the official SDK and plain HTTP: transcriptions and translations, every response
// format (srt and vtt parse with ordered times, verbose_json has OpenAI's fields), word timestamps, VAD,
// other containers and codecs (converted by FFmpeg at test time), every error class, and a differential
// test against whisper-cli from the pinned tree on a generated whisper-tiny-shape model.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI, { APIError } from 'openai';

import { assertAlive, assertErrorResponse, request } from './lib/http.mjs';
import { depsPrefix, makeTempDir, mkmodel, removeTempDirs, runProcess, sharedModel, startServer,
    stopAllServers } from './lib/server.mjs';

const JFK = sharedModel('audio/jfk.wav');

function ffmpeg(args) {
    execFileSync('ffmpeg', ['-nostdin', '-loglevel', 'error', '-y', ...args]);
}

async function transcribe(base, file, fields = {}, route = 'transcriptions') {
    const form = new FormData();
    form.append('file', new Blob([fs.readFileSync(file)]), path.basename(file));
    for (const [k, v] of Object.entries(fields)) {
        for (const value of Array.isArray(v) ? v : [v]) {
            form.append(k, value);
        }
    }
    return request(base, `/v1/audio/${route}`, { method: 'POST', body: form, timeoutMs: 120_000 });
}

function cueTimes(text, mark) {
    const re = new RegExp(`(\\d\\d):(\\d\\d):(\\d\\d)${mark}(\\d\\d\\d) --> (\\d\\d):(\\d\\d):(\\d\\d)${mark}(\\d\\d\\d)`, 'g');
    return [...text.matchAll(re)].map((m) => {
        const t = (i) => Number(m[i]) * 3600 + Number(m[i + 1]) * 60 + Number(m[i + 2]) + Number(m[i + 3]) / 1000;
        return [t(1), t(5)];
    });
}

describe('speech-to-text', () => {
    let dir;
    let server;
    let client;
    let clip;

    before(async () => {
        dir = await makeTempDir('audio');
        const models = path.join(dir, 'models');
        fs.mkdirSync(models);
        await mkmodel('tiny-whisper', path.join(models, 'tiny-whisper.bin'), { seed: 2 });
        fs.copyFileSync(sharedModel('stories260K/stories260K-f32.gguf'), path.join(models, 'stories.gguf'));
        clip = path.join(dir, 'clip.wav');
        ffmpeg(['-i', JFK, '-t', '3', clip]);  // random weights decode slowly: most tests use 3 s
        server = await startServer({ modelsDir: models, args: ['--threads', '2', '--max-upload-mb', '1',
            '--max-audio-seconds', '20', '--vad-model', sharedModel('silero-vad/silero-v6.2.0-ggml.bin')] });
        // Random weights decode slowly (temperature fallbacks), and more so on a loaded machine.
        client = new OpenAI({ baseURL: `${server.baseURL}/v1`, apiKey: 'none', maxRetries: 0, timeout: 120_000 });
    });
    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    test('the SDK transcribes and translates', async () => {
        const t = await client.audio.transcriptions.create({ file: fs.createReadStream(clip), model: 'tiny-whisper',
            language: 'en' });
        assert.equal(typeof t.text, 'string');
        const text = await client.audio.transcriptions.create({ file: fs.createReadStream(clip),
            model: 'tiny-whisper', language: 'en', response_format: 'text' });
        assert.equal(text.trim(), t.text.trim());
        const verbose = await client.audio.translations.create({ file: fs.createReadStream(clip),
            model: 'tiny-whisper', response_format: 'verbose_json' });
        assert.equal(verbose.task, 'translate');
        assert.ok(Math.abs(verbose.duration - 3) < 0.01, `duration ${verbose.duration}`);
    });

    test('verbose_json, words, srt and vtt', async () => {
        const res = await transcribe(server.baseURL, clip, { model: 'tiny-whisper', language: 'en',
            response_format: 'verbose_json', 'timestamp_granularities[]': ['word', 'segment'] });
        assert.equal(res.status, 200, res.text);
        const v = res.json;
        for (const key of ['task', 'language', 'duration', 'text', 'segments', 'words']) {
            assert.ok(key in v, `verbose_json lacks ${key}`);
        }
        assert.equal(v.language, 'english');
        for (const s of v.segments) {
            for (const key of ['id', 'seek', 'start', 'end', 'text', 'tokens', 'temperature', 'avg_logprob',
                'compression_ratio', 'no_speech_prob']) {
                assert.ok(key in s, `segment lacks ${key}`);
            }
        }
        for (const w of v.words) {
            assert.equal(typeof w.word, 'string');
            assert.ok(w.end >= w.start, JSON.stringify(w));
        }
        for (const [format, mark] of [['srt', ','], ['vtt', '\\.']]) {
            const sub = await transcribe(server.baseURL, clip, { model: 'tiny-whisper', language: 'en',
                response_format: format });
            assert.equal(sub.status, 200, sub.text);
            if (format === 'vtt') {
                assert.ok(sub.text.startsWith('WEBVTT\n\n'), sub.text);
            } else if (v.segments.length > 0) {
                assert.match(sub.text, /^1\n/);
            }
            const cues = cueTimes(sub.text, mark);
            assert.equal(cues.length, v.segments.length, sub.text);
            let last = 0;
            for (const [start, end] of cues) {
                assert.ok(start >= last && end >= start, `${format} times out of order: ${sub.text}`);
                last = start;
            }
        }
    });

    test('VAD and other codecs', async () => {
        const vad = await transcribe(server.baseURL, clip, { model: 'tiny-whisper', language: 'en', vad: 'true',
            response_format: 'verbose_json' });
        assert.equal(vad.status, 200, vad.text);
        const wav = await transcribe(server.baseURL, clip, { model: 'tiny-whisper', language: 'en' });
        for (const [ext, args] of [['flac', ['-c:a', 'flac']], ['mp3', ['-c:a', 'libmp3lame']],
            ['ogg', ['-ar', '48000', '-c:a', 'libopus']], ['m4a', ['-c:a', 'aac']], ['webm', ['-ar', '48000', '-c:a', 'libopus']]]) {
            const file = path.join(dir, `clip.${ext}`);
            ffmpeg(['-i', clip, '-ac', '2', ...args, file]);
            const res = await transcribe(server.baseURL, file, { model: 'tiny-whisper', language: 'en',
                response_format: 'verbose_json' });
            assert.equal(res.status, 200, `${ext}: ${res.text}`);
            assert.ok(Math.abs(res.json.duration - 3) < 0.1, `${ext}: duration ${res.json.duration}`);
            if (ext === 'flac') {
                assert.equal(res.json.text, wav.json.text, 'lossless audio must transcribe the same');
            }
        }
    });

    test('errors: 4xx with the error shape, and the server lives on', async () => {
        const notAudio = path.join(dir, 'notes.txt');
        fs.writeFileSync(notAudio, 'these are not sounds\n');
        const empty = path.join(dir, 'empty.wav');
        fs.writeFileSync(empty, '');
        const big = path.join(dir, 'big.wav');
        fs.writeFileSync(big, Buffer.alloc(2 << 20));
        const long = path.join(dir, 'long.wav');
        ffmpeg(['-stream_loop', '2', '-i', JFK, '-c', 'copy', long]);  // 33 s, over --max-audio-seconds 20
        const cases = [
            [notAudio, { model: 'tiny-whisper' }, 400, 'file'],
            [empty, { model: 'tiny-whisper' }, 400, 'file'],
            [clip, {}, 400, 'model'],
            [clip, { model: 'nope' }, 404, 'model'],
            [clip, { model: 'stories' }, 400, 'model'],
            [clip, { model: 'tiny-whisper', response_format: 'xml' }, 400, 'response_format'],
            [clip, { model: 'tiny-whisper', temperature: '3' }, 400, 'temperature'],
            [clip, { model: 'tiny-whisper', language: 'xx' }, 400, null],
            [big, { model: 'tiny-whisper' }, 413, 'file'],
            [long, { model: 'tiny-whisper' }, 413, 'file'],
        ];
        for (const [file, fields, status, param] of cases) {
            const res = await transcribe(server.baseURL, file, fields);
            const err = assertErrorResponse(res, status, {});
            if (param !== null) {
                assert.equal(err.param, param, `${path.basename(file)} ${JSON.stringify(fields)}: ${res.text}`);
            }
            await assertAlive(server.baseURL, `${path.basename(file)} ${JSON.stringify(fields)}`);
        }
        const json = await request(server.baseURL, '/v1/audio/transcriptions', { method: 'POST',
            headers: { 'Content-Type': 'application/json' }, body: '{"model": "tiny-whisper"}' });
        assertErrorResponse(json, 400, {});
        const missingFile = new FormData();
        missingFile.append('model', 'tiny-whisper');
        const noFile = await request(server.baseURL, '/v1/audio/transcriptions', { method: 'POST', body: missingFile });
        assert.equal(assertErrorResponse(noFile, 400, {}).param, 'file');
        await assert.rejects(client.audio.transcriptions.create({ file: fs.createReadStream(notAudio),
            model: 'tiny-whisper' }), (err) => err instanceof APIError && err.status === 400);
    });

    test('differential: the same segments as whisper-cli on a whisper-tiny-shape model', async () => {
        const model = await mkmodel('whisper-tiny', path.join(dir, 'whisper-tiny.bin'), { seed: 5 });
        const tools = path.join(depsPrefix(), 'tools');
        const out = path.join(dir, 'cli');
        const r = await runProcess(path.join(tools, 'whisper-cli'), ['-m', model, '-f', JFK, '-l', 'en', '-bs', '1',
            '-bo', '1', '-t', '2', '-oj', '-of', out], { timeoutMs: 240_000 });
        assert.equal(r.code, 0, r.output.slice(-2000));
        const reference = JSON.parse(fs.readFileSync(`${out}.json`, 'utf8')).transcription;
        const own = await startServer({ modelsDir: path.dirname(model), args: ['--threads', '2'] });
        const res = await transcribe(own.baseURL, JFK, { model: 'whisper-tiny', language: 'en',
            response_format: 'verbose_json' });
        assert.equal(res.status, 200, res.text);
        const ours = res.json.segments;
        assert.ok(reference.length > 0, 'whisper-cli printed no segments');
        assert.deepEqual(ours.map((s) => s.text), reference.map((s) => s.text));
        assert.deepEqual(ours.map((s) => [Math.round(s.start * 1000), Math.round(s.end * 1000)]),
            reference.map((s) => [s.offsets.from, s.offsets.to]));
    });
});
