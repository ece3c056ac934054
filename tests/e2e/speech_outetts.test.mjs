// Text-to-speech with OuteTTS-shaped models (hearth-mkmodel tiny-outetts / tiny-outetts-0.3, untied so that
// greedy decoding says varied codes) and a WavTokenizer vocoder found beside them, a speaker profile from the
// speakers/ folder: the audio equals llama.cpp's own tools chained by hand (llama-server /completion for the
// codes, llama-server --embeddings --pooling none for the vocoder's frames, numpy for the inverse STFT), SSE
// equals the plain stream, 8 concurrent requests equal each alone, every format decodes back, and errors.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';

import { decodeToPcm, maxAbsDiff, pcmSamples, rms, sseAudio } from './lib/audio_out.mjs';
import { assertAlive, assertErrorResponse, request } from './lib/http.mjs';
import { makeTempDir, mkmodel, removeTempDirs, startLlamaServer, startServer, stopAllServers } from './lib/server.mjs';

const RATE = 24000;
const HOP = 320;  // WavTokenizer: samples per code
const ISTFT_REFERENCE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'unit', 'engine',
    'istft_reference.py');
// A speaker profile as OuteTTS writes them (other keys ignored): the words it recorded, with their codes.
const SPEAKER = { text: 'good morning', words: [
    { word: 'good', duration: 0.25, codes: [17, 802, 3311, 9, 4095, 120] },
    { word: 'morning', duration: 0.5, codes: [1, 2, 3, 2048, 777, 1500, 640, 12] },
] };

// python3 with numpy: $HEARTH_PYTHON3, python3 on PATH, then Debian's (scripts/deps.sh installs python3-numpy).
function numpyPython() {
    const candidates = [process.env.HEARTH_PYTHON3, 'python3', '/usr/bin/python3'].filter(Boolean);
    for (const python of candidates) {
        try {
            execFileSync(python, ['-c', 'import numpy'], { stdio: 'ignore' });
            return python;
        } catch {
            // next
        }
    }
    assert.fail('python3 with numpy is needed (scripts/deps.sh installs python3-numpy)');
}

// OuteTTS's prompt for `words`, with the speaker's recorded words first (as src/engine/outetts_text.cpp
// documents the format of 0.2 and 0.3).
function outettsPrompt(words, speaker, v3) {
    const sep = v3 ? '<|space|>' : '<|text_sep|>';
    let prompt = '<|im_start|>\n<|text_start|>';
    prompt += speaker.words.map((w) => w.word + sep).join('') + words.join(sep);
    prompt += '<|text_end|>\n<|audio_start|>\n';
    for (const w of speaker.words) {
        prompt += `${w.word}<|t_${w.duration.toFixed(2)}|>${v3 ? '' : '<|code_start|>'}`;
        prompt += w.codes.map((c) => `<|${c}|>`).join('') + `${v3 ? '<|space|>' : '<|code_end|>'}\n`;
    }
    return prompt;
}

async function postJson(baseURL, route, body) {
    const res = await request(baseURL, route, { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body), timeoutMs: 120_000 });
    assert.equal(res.status, 200, `${route}: ${res.text.slice(0, 300)}`);
    return res.json;
}

// The audio llama.cpp's tools make of the prompt: greedy codes (OuteTTS's repetition penalty, as hearth
// samples), the vocoder's frames, numpy's inverse STFT; as 16-bit samples.
async function referenceAudio({ lm, vocoder, dir, prompt, maxCodes }) {
    const [first, last] = (await postJson(lm.baseURL, '/tokenize', { content: '<|0|><|4095|>' })).tokens;
    assert.equal(last - first, 4095, 'the code tokens are contiguous');
    const completion = await postJson(lm.baseURL, '/completion', { prompt, temperature: 0, n_predict: maxCodes,
        repeat_penalty: 1.1, repeat_last_n: 64, cache_prompt: false, return_tokens: true });
    const codes = completion.tokens.filter((t) => t >= first && t <= last).map((t) => t - first);
    assert.ok(new Set(codes).size > 10, `the model says varied codes: ${codes.slice(0, 20)}`);
    const frames = (await postJson(vocoder.baseURL, '/embedding', { content: codes }))[0].embedding;
    assert.equal(frames.length, codes.length);
    const framesFile = path.join(dir, 'frames.f32');
    const audioFile = path.join(dir, 'audio.f64');
    fs.writeFileSync(framesFile, Buffer.from(Float32Array.from(frames.flat()).buffer));
    execFileSync(numpyPython(), [ISTFT_REFERENCE, framesFile, String(codes.length), audioFile]);
    const raw = fs.readFileSync(audioFile);
    const audio = new Float64Array(raw.buffer, raw.byteOffset, raw.length / 8);
    return Int16Array.from(audio, (x) => Math.max(-32768, Math.min(32767, Math.round(Math.max(-1, Math.min(1, x)) * 32768))));
}

describe('text-to-speech: OuteTTS with its WavTokenizer vocoder', () => {
    let dir;
    let server;
    let client;

    before(async () => {
        dir = await makeTempDir('outetts');
        const models = path.join(dir, 'models');
        fs.mkdirSync(path.join(models, 'speakers'), { recursive: true });
        await mkmodel('tiny-outetts', path.join(models, 'tts.gguf'));
        await mkmodel('tiny-outetts-0.3', path.join(models, 'tts3.gguf'));
        await mkmodel('tiny-wavtokenizer', path.join(models, 'WavTokenizer-tiny.gguf'), { type: 'f32' });
        fs.writeFileSync(path.join(models, 'speakers', 'en-morning.json'), JSON.stringify(SPEAKER));
        server = await startServer({ modelsDir: models, args: ['--threads', '2'] });
        client = new OpenAI({ baseURL: `${server.baseURL}/v1`, apiKey: 'none', maxRetries: 0, timeout: 120_000 });
    });

    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    async function speak(body) {
        const res = await client.audio.speech.create({ response_format: 'pcm', temperature: 0, ...body });
        assert.equal(res.status, 200);
        return Buffer.from(await res.arrayBuffer());
    }

    test('the models are listed as speech models with their vocoder; the vocoder alone is not a model', async () => {
        const models = await request(server.baseURL, '/v1/models');
        const tts = models.json.data.find((m) => m.id === 'tts');
        assert.equal(tts.kind, 'tts');
        assert.deepEqual(tts.capabilities, ['speech']);
        assert.equal(path.basename(tts.vocoder), 'WavTokenizer-tiny.gguf');
        // Paired, the vocoder is part of its models: neither a model nor an unservable file.
        assert.ok(!models.json.data.some((m) => m.id === 'WavTokenizer-tiny'));
        assert.deepEqual(models.json.unservable, []);
        await speak({ model: 'tts', voice: 'en-morning', input: 'Hi.' });  // loads it
        const voices = await request(server.baseURL, '/v1/audio/voices');
        const entry = voices.json.models.find((m) => m.id === 'tts');
        assert.ok(entry.voices.includes('en-morning'), JSON.stringify(entry));
    });

    for (const [model, v3] of [['tts', false], ['tts3', true]]) {
        test(`${model}: the audio equals llama-server's codes through llama-server's vocoder and numpy's iSTFT`,
            async () => {
                const lm = await startLlamaServer({ model: path.join(dir, 'models', `${model}.gguf`),
                    args: ['-t', '2', '-np', '1', '-c', '4096'] });
                const vocoder = await startLlamaServer({ model: path.join(dir, 'models', 'WavTokenizer-tiny.gguf'),
                    args: ['-t', '2', '-np', '1', '-c', '4096', '-b', '4096', '-ub', '4096', '--embeddings',
                        '--pooling', 'none'] });
                for (const [voice, speaker] of [['', { words: [] }], ['en-morning', SPEAKER]]) {
                    const body = { model, input: 'Hello, world!' };
                    const ours = pcmSamples(await speak(voice ? { ...body, voice } : body));
                    // hearth bounds a sentence's codes at 100 per word plus 16: the random model never ends.
                    const theirs = await referenceAudio({ lm, vocoder, dir, maxCodes: 216,
                        prompt: outettsPrompt(['hello', 'world'], speaker, v3) });
                    // 0.3's model may say a <|space|> among its codes: fewer than 216 codes, as many in both.
                    assert.ok(ours.length > 200 * HOP, `${model} ${voice}: ${ours.length} samples`);
                    assert.ok(maxAbsDiff(ours, theirs) <= 1, `${model} ${voice}: differs by ${maxAbsDiff(ours, theirs)}`);
                    assert.ok(rms(ours) > 10, `${model} ${voice}: silent`);
                }
                await lm.stop();
                await vocoder.stop();
            });
    }

    test('SSE deltas concatenate to the plain stream; 8 concurrent requests equal each alone', async () => {
        const inputs = Array.from({ length: 8 }, (_, i) => `Sentence ${i + 1} here. And one more${'!'.repeat(i % 2 + 1)}`);
        const alone = [];
        for (const input of inputs) {
            alone.push(await speak({ model: 'tts', voice: 'en-morning', input }));
        }
        const together = await Promise.all(inputs.map((input) => speak({ model: 'tts', voice: 'en-morning', input })));
        together.forEach((bytes, i) => assert.ok(bytes.equals(alone[i]), `request ${i} differs when batched`));
        const res = await client.audio.speech.create({ model: 'tts', voice: 'en-morning', input: inputs[0],
            response_format: 'pcm', temperature: 0, stream_format: 'sse' });
        const { audio, deltas, usage } = sseAudio(await res.text());
        assert.ok(audio.equals(alone[0]), 'SSE audio differs from the plain stream');
        assert.equal(deltas, 2, 'one delta per sentence');
        assert.ok(usage.output_tokens >= audio.length / 2 / HOP, JSON.stringify(usage));
        assert.equal(usage.total_tokens, usage.input_tokens + usage.output_tokens);
    });

    test('sampling: the default temperature with a seed repeats; formats decode to the pcm\'s duration', async () => {
        const body = { model: 'tts', input: 'Seeded speech.', response_format: 'pcm', seed: 42 };
        const a = await client.audio.speech.create(body);
        const b = await client.audio.speech.create(body);
        const pcm = Buffer.from(await a.arrayBuffer());
        assert.ok(pcm.equals(Buffer.from(await b.arrayBuffer())), 'the same seed gave different audio');
        const seconds = pcm.length / 2 / RATE;
        for (const format of ['mp3', 'flac', 'wav']) {
            const res = await client.audio.speech.create({ ...body, response_format: format });
            const decoded = decodeToPcm(Buffer.from(await res.arrayBuffer()), dir, `tts.${format}`);
            assert.ok(Math.abs(decoded.length / RATE - seconds) < 0.1, `${format}: ${decoded.length / RATE} s`);
        }
    });

    test('errors: text the normalizer empties, unknown voices, a speech model elsewhere; the server stays up',
        async () => {
            const cases = [
                ['/v1/audio/speech', { model: 'tts', input: '!!! ... ???' }, 400, 'input'],
                ['/v1/audio/speech', { model: 'tts', input: 'Hi.', voice: 'nobody' }, 400, 'voice'],
                ['/v1/audio/speech', { model: 'tts', input: 'Hi.', temperature: 3 }, 400, 'temperature'],
                ['/v1/chat/completions', { model: 'tts', messages: [{ role: 'user', content: 'hi' }] }, 400, 'model'],
                ['/v1/audio/speech', { model: 'WavTokenizer-tiny', input: 'Hi.' }, 404, 'model'],
            ];
            for (const [route, body, status, param] of cases) {
                const res = await request(server.baseURL, route, { method: 'POST',
                    headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
                const err = assertErrorResponse(res, status, { what: `${route} ${JSON.stringify(body)}` });
                assert.equal(err.param, param, `${route} ${JSON.stringify(body)}`);
                await assertAlive(server.baseURL);
            }
        });
});
