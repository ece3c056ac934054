// Text-to-speech through the official SDK and plain HTTP: the built-in flite voices (equal to FFmpeg's own
// flite filter on the same text and voice), every response format decoded back, SSE streaming equal to the
// plain stream, speed by time-stretching, long input streamed sentence by sentence, the voice listing, errors,
// and an OuteTTS-shaped model with its WavTokenizer vocoder and a speaker profile.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';

import { decodeToPcm, ffmpegRaw, maxAbsDiff, pcmSamples, probeAudio, rms, sseAudio } from './lib/audio_out.mjs';
import { assertAlive, assertErrorResponse, request } from './lib/http.mjs';
import { makeTempDir, mkmodel, removeTempDirs, startServer, stopAllServers } from './lib/server.mjs';

const SENTENCE = 'Hello world, this is hearth speaking.';
const RATE = 24000;

async function speak(client, body) {
    const res = await client.audio.speech.create(body);
    assert.equal(res.status, 200);
    return { bytes: Buffer.from(await res.arrayBuffer()), type: res.headers.get('content-type') };
}

// FFmpeg's flite filter (the same library) on the same text and voice, resampled to 24 kHz as the CLI does.
// libflite goes first in ffmpeg's process: librom1394 (pulled in by libavdevice) exports symbols of the
// same names that corrupt flite's diphone voices (tests/integration/flite_voice_test.cpp tells the story).
function ffmpegFlite(dir, text, voice) {
    const file = path.join(dir, `text-${voice}.txt`);
    fs.writeFileSync(file, text);
    const raw = ffmpegRaw(['-f', 'lavfi', '-i', `flite=textfile=${file}:voice=${voice}`, '-ar', String(RATE),
        '-ac', '1', '-f', 's16le', '-'], { env: { LD_PRELOAD: 'libflite.so.1' } });
    return new Int16Array(raw.buffer, raw.byteOffset, raw.length / 2);
}

describe('text-to-speech: the built-in flite voices', () => {
    let dir;
    let server;
    let client;

    before(async () => {
        dir = await makeTempDir('speech');
        const models = path.join(dir, 'models');
        fs.mkdirSync(models);
        await mkmodel('tiny-qwen3', path.join(models, 'chat.gguf'));
        server = await startServer({ modelsDir: models, args: ['--threads', '2'], builtinVoice: true });
        client = new OpenAI({ baseURL: `${server.baseURL}/v1`, apiKey: 'none', maxRetries: 0, timeout: 60_000 });
    });

    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    test('the SDK speaks with flite; its pcm equals FFmpeg\'s flite filter on the same text and voice', async () => {
        for (const voice of ['slt', 'kal', 'awb', 'rms', 'kal16']) {
            const { bytes, type } = await speak(client, { model: 'flite', voice, input: SENTENCE,
                response_format: 'pcm' });
            assert.equal(type, 'audio/pcm');
            const ours = pcmSamples(bytes);
            const theirs = ffmpegFlite(dir, SENTENCE, voice);
            assert.ok(ours.length > RATE, `${voice}: ${ours.length} samples`);
            assert.ok(maxAbsDiff(ours, theirs) <= 1, `${voice}: differs from ffmpeg's flite by ${maxAbsDiff(ours, theirs)}`);
        }
    });

    test('every response format decodes back to 24 kHz mono of the same duration', async () => {
        const { bytes: pcm } = await speak(client, { model: 'flite', voice: 'alloy', input: SENTENCE,
            response_format: 'pcm' });
        const seconds = pcm.length / 2 / RATE;
        const expected = { mp3: ['mp3', 'audio/mpeg', RATE], opus: ['opus', 'audio/ogg', 48000],
            aac: ['aac', 'audio/aac', RATE], flac: ['flac', 'audio/flac', RATE], wav: ['pcm_s16le', 'audio/wav', RATE] };
        for (const [format, [codec, contentType, rate]] of Object.entries(expected)) {
            const { bytes, type } = await speak(client, { model: 'flite', voice: 'alloy', input: SENTENCE,
                response_format: format });
            assert.equal(type, contentType, format);
            const info = probeAudio(bytes, dir, `out.${format}`);
            assert.equal(info.codec, codec, format);
            assert.equal(info.channels, 1, format);
            assert.equal(info.sampleRate, rate, format);
            const decoded = decodeToPcm(bytes, dir, `out.${format}`);
            // Lossy codecs pad by up to a few frames (priming and the last partial frame): 100 ms.
            assert.ok(Math.abs(decoded.length / RATE - seconds) < 0.1,
                `${format}: ${decoded.length / RATE} s decoded, ${seconds} s of pcm`);
            assert.ok(rms(decoded) > 100, `${format}: silent`);
        }
        // mp3 is the default, as OpenAI's.
        const res = await client.audio.speech.create({ model: 'flite', voice: 'alloy', input: 'Hi.' });
        assert.equal(res.headers.get('content-type'), 'audio/mpeg');
    });

    test('SSE deltas concatenate to the plain stream\'s bytes, and the done event carries usage', async () => {
        const input = 'First sentence here. A second one follows! And a third?';
        for (const format of ['pcm', 'mp3', 'wav']) {
            const { bytes } = await speak(client, { model: 'flite', voice: 'nova', input, response_format: format });
            const res = await client.audio.speech.create({ model: 'flite', voice: 'nova', input,
                response_format: format, stream_format: 'sse' });
            assert.equal(res.headers.get('content-type'), 'text/event-stream');
            const { audio, deltas, usage } = sseAudio(await res.text());
            assert.ok(audio.equals(bytes), `${format}: SSE audio differs from the plain stream`);
            assert.ok(deltas >= 3, `${format}: ${deltas} deltas for three sentences`);
            // flite counts characters: the three sentences' without the spaces between them.
            assert.equal(usage.input_tokens, input.length - 2, JSON.stringify(usage));
            assert.equal(usage.total_tokens, usage.input_tokens + usage.output_tokens);
        }
    });

    test('speed time-stretches: twice as fast is half as long, pitch kept', async () => {
        const lengths = {};
        for (const speed of [1, 2, 0.5]) {
            const { bytes } = await speak(client, { model: 'flite', voice: 'slt', input: SENTENCE,
                response_format: 'pcm', speed });
            lengths[speed] = bytes.length / 2;
        }
        assert.ok(Math.abs(lengths[2] / lengths[1] - 0.5) < 0.03, `speed 2: ${lengths[2]} vs ${lengths[1]}`);
        assert.ok(Math.abs(lengths[0.5] / lengths[1] - 2) < 0.06, `speed 0.5: ${lengths[0.5]} vs ${lengths[1]}`);
    });

    test('long input streams sentence by sentence: the first bytes come before the last sentence is made', async () => {
        const input = Array.from({ length: 40 }, (_, i) => `This is sentence number ${i + 1} of a long text.`).join(' ');
        const started = performance.now();
        const res = await fetch(`${server.baseURL}/v1/audio/speech`, { method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'flite', voice: 'slt', input, response_format: 'pcm' }) });
        assert.equal(res.status, 200);
        const reader = res.body.getReader();
        let first = 0;
        let total = 0;
        let chunks = 0;
        for (;;) {
            const { done, value } = await reader.read();
            if (done) {
                break;
            }
            first ||= performance.now() - started;
            total += value.length;
            chunks += 1;
        }
        const whole = performance.now() - started;
        assert.ok(chunks >= 10, `${chunks} chunks`);
        assert.ok(first < whole / 4, `first audio after ${first} ms of ${whole} ms`);
        assert.ok(total / 2 / RATE > 40, `${total / 2 / RATE} s of audio`);
    });

    test('GET /v1/audio/voices lists flite\'s voices; OpenAI\'s names map onto them', async () => {
        const res = await request(server.baseURL, '/v1/audio/voices');
        assert.equal(res.status, 200);
        const ids = res.json.data.filter((v) => v.model === 'flite').map((v) => v.id);
        assert.deepEqual(ids, ['slt', 'kal', 'awb', 'rms', 'kal16']);
        // alloy is slt, onyx is kal16 (the README lists the mapping).
        for (const [openai, own] of [['alloy', 'slt'], ['onyx', 'kal16'], ['echo', 'rms']]) {
            const a = await speak(client, { model: 'flite', voice: openai, input: 'Same voice.', response_format: 'pcm' });
            const b = await speak(client, { model: 'flite', voice: own, input: 'Same voice.', response_format: 'pcm' });
            assert.ok(a.bytes.equals(b.bytes), `${openai} is not ${own}`);
        }
        const custom = await speak(client, { model: 'flite', voice: { id: 'awb' }, input: 'Custom form.', response_format: 'pcm' });
        assert.ok(custom.bytes.length > 0);
        const models = await request(server.baseURL, '/v1/models/flite');
        assert.deepEqual(models.json.capabilities, ['speech']);
        assert.equal(models.json.source, 'builtin');
    });

    test('errors: 400 naming the field, 404 for an unknown model; the server stays up', async () => {
        const cases = [
            [{ model: 'flite', voice: 'nobody', input: 'x' }, 400, 'voice'],
            [{ model: 'flite', voice: 'slt', input: '' }, 400, 'input'],
            [{ model: 'flite', voice: 'slt', input: '... !!! ???' }, 400, 'input'],
            [{ model: 'flite', voice: 'slt', input: 'x'.repeat(4097) }, 400, 'input'],
            [{ model: 'flite', voice: 'slt', input: 'x', response_format: 'ogg' }, 400, 'response_format'],
            [{ model: 'flite', voice: 'slt', input: 'x', speed: 5 }, 400, 'speed'],
            [{ model: 'chat', voice: 'slt', input: 'x' }, 400, 'model'],
            [{ model: 'nope', voice: 'slt', input: 'x' }, 404, 'model'],
        ];
        for (const [body, status, param] of cases) {
            const res = await request(server.baseURL, '/v1/audio/speech', { method: 'POST',
                headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
            const err = assertErrorResponse(res, status, { what: JSON.stringify(body).slice(0, 80) });
            assert.equal(err.param, param, JSON.stringify(body).slice(0, 80));
            await assertAlive(server.baseURL);
        }
        await assert.rejects(client.audio.speech.create({ model: 'flite', voice: 'nobody', input: 'x' }),
            (e) => e.status === 400 && /nobody/.test(e.message));
    });

    test('a client that disconnects mid-stream stops the synthesis; the server serves the next request', async () => {
        const input = Array.from({ length: 200 }, (_, i) => `Sentence ${i} goes on for a while.`).join(' ');
        const ctl = new AbortController();
        const res = await fetch(`${server.baseURL}/v1/audio/speech`, { method: 'POST', signal: ctl.signal,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'flite', voice: 'slt', input, response_format: 'pcm' }) });
        const reader = res.body.getReader();
        await reader.read();
        ctl.abort();
        const { bytes } = await speak(client, { model: 'flite', voice: 'slt', input: 'Still here.', response_format: 'wav' });
        assert.equal(bytes.subarray(0, 4).toString(), 'RIFF');
        await assertAlive(server.baseURL);
    });
});
