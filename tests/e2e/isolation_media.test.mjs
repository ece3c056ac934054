// Isolated models of every kind from a file (issue 21): with `hearth serve --isolate`, speech-to-text (multipart
// uploads, named by their "model" form field), text-to-speech (audio streamed as it is made, SSE too, its voices
// listed) and vision chat (a text model with its projector: images are decoded in the model's process) answer
// exactly as the same models in-process; the server's limits reach the processes; the built-in voice stays in;
// kill -9 during a transcription fails only that request.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { sseAudio } from './lib/audio_out.mjs';
import { assertAlive, request, sleep } from './lib/http.mjs';
import { dataUrl, imagePart, makePng } from './lib/images.mjs';
import {
    makeTempDir, mkmodel, removeTempDirs, sharedModel, startServer, stopAllServers, writeFileIn,
} from './lib/server.mjs';
import { processOf } from './lib/workers.mjs';

const JFK = sharedModel('audio/jfk.wav');

function transcribe(base, model, fields = {}, file = JFK) {
    const form = new FormData();
    form.append('file', new Blob([fs.readFileSync(file)]), path.basename(file));
    form.append('model', model);
    for (const [k, v] of Object.entries(fields)) {
        form.append(k, v);
    }
    return request(base, '/v1/audio/transcriptions', { method: 'POST', body: form, timeoutMs: 120_000 });
}

function post(base, route, body) {
    return request(base, route, { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body), timeoutMs: 120_000 });
}

describe('hearth serve --isolate: speech, voices and vision in processes of their own', () => {
    let server;
    let base;
    let long;  // the recording 8 times over: a transcription that takes seconds

    before(async () => {
        const dir = await makeTempDir('isolate-media');
        const m = (name) => path.join(dir, name);
        fs.mkdirSync(m('speakers'));
        long = m('long.wav');
        execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-stream_loop', '7', '-i', JFK, '-c', 'copy',
            long]);
        await mkmodel('tiny-whisper', m('whisper.bin'), { seed: 2 });
        await mkmodel('tiny-outetts', m('tts.gguf'));
        await mkmodel('tiny-wavtokenizer', m('WavTokenizer-tiny.gguf'), { type: 'f32' });
        fs.writeFileSync(m('speakers/en-morning.json'), JSON.stringify({ text: 'good morning', words: [
            { word: 'good', duration: 0.25, codes: [17, 802, 3311, 9, 4095, 120] },
            { word: 'morning', duration: 0.5, codes: [1, 2, 3, 2048, 777, 1500, 640, 12] }] }));
        const text = await mkmodel('tiny-qwen2', m('qwen-vl.gguf'), { seed: 7, untied: true });
        await mkmodel('tiny-clip-mlp', m('mmproj-qwen-vl.gguf'), { seed: 3, extra: ['--mmproj-for', text] });
        await mkmodel('tiny-bert', m('bert.gguf'));
        const inProcess = { isolate: false };
        const tts = { vocoder: m('WavTokenizer-tiny.gguf'), speakers: m('speakers') };
        const vl = { mmproj: m('mmproj-qwen-vl.gguf') };
        const config = await writeFileIn(dir, 'config.json', JSON.stringify({ models: [
            { name: 'whisper', path: m('whisper.bin') },
            { name: 'whisper-in', path: m('whisper.bin'), options: inProcess },
            { name: 'tts', path: m('tts.gguf'), ...tts },
            { name: 'tts-in', path: m('tts.gguf'), ...tts, options: inProcess },
            { name: 'vl', path: text, ...vl },
            { name: 'vl-in', path: text, ...vl, options: inProcess },
            { name: 'bert', path: m('bert.gguf') }] }));
        const empty = path.join(dir, 'none');
        fs.mkdirSync(empty);
        server = await startServer({ modelsDir: empty, builtinVoice: true, args: ['--config', config, '--isolate',
            '--threads', '2', '--max-embedding-inputs', '3', '--max-images', '1'] });
        base = server.baseURL;
    });

    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    test('transcriptions (multipart) equal the in-process model\'s', async () => {
        for (const fields of [{ language: 'en' }, { language: 'en', response_format: 'text' }]) {
            const isolated = await transcribe(base, 'whisper', fields);
            const inProcess = await transcribe(base, 'whisper-in', fields);
            assert.equal(isolated.status, 200, isolated.text);
            assert.equal(isolated.text, inProcess.text);
            assert.equal(isolated.headers.get('content-type'), inProcess.headers.get('content-type'));
        }
        const models = (await request(base, '/v1/models')).json.data;
        assert.equal(models.find((x) => x.id === 'whisper').isolated, true);
        assert.equal(models.find((x) => x.id === 'whisper-in').isolated, undefined);
    });

    test('speech: the same audio, streamed as made and as SSE; its voices listed; the built-in voice in-process',
        async () => {
            const speak = async (model, extra = {}) => {
                const res = await fetch(`${base}/v1/audio/speech`, { method: 'POST',
                    headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(120_000),
                    body: JSON.stringify({ model, voice: 'en-morning', input: 'Hello there. How are you?',
                        response_format: 'pcm', temperature: 0, ...extra }) });
                const bytes = Buffer.from(await res.arrayBuffer());
                return { status: res.status, headers: res.headers, bytes, text: bytes.toString('utf8') };
            };
            const isolated = await speak('tts');
            const inProcess = await speak('tts-in');
            assert.equal(isolated.status, 200, isolated.text.slice(0, 300));
            assert.equal(isolated.headers.get('content-length'), null, 'sent as it is made');
            assert.ok(isolated.bytes.length > 1000);
            assert.ok(isolated.bytes.equals(inProcess.bytes), 'the same samples');
            const sse = await speak('tts', { stream_format: 'sse' });
            assert.match(sse.headers.get('content-type'), /text\/event-stream/);
            assert.ok(sseAudio(sse.text).audio.equals(isolated.bytes));
            const voices = (await request(base, '/v1/audio/voices')).json.models;
            assert.deepEqual(voices.find((x) => x.id === 'tts').voices, voices.find((x) => x.id === 'tts-in').voices);
            assert.ok(voices.find((x) => x.id === 'tts').voices.includes('en-morning'));
            const flite = await post(base, '/v1/audio/speech', { model: 'flite', input: 'Hi.', voice: 'kal' });
            assert.equal(flite.status, 200, flite.text);
            assert.equal((await request(base, '/v1/models/flite')).json.isolated, undefined);
        });

    test('vision chat: the same greedy answer; images are decoded in the model\'s process', async () => {
        const body = (model) => ({ model, max_tokens: 12, temperature: 0, messages: [{ role: 'user', content: [
            imagePart(dataUrl(makePng(40, 30, 4))), { type: 'text', text: 'What is this?' }] }] });
        const isolated = await post(base, '/v1/chat/completions', body('vl'));
        const inProcess = await post(base, '/v1/chat/completions', body('vl-in'));
        assert.equal(isolated.status, 200, isolated.text);
        assert.equal(isolated.json.choices[0].message.content, inProcess.json.choices[0].message.content);
        assert.equal(isolated.json.usage.prompt_tokens, inProcess.json.usage.prompt_tokens);
        // An image that is no image fails in the process with the in-process answer, and the process lives on.
        const bad = (model) => post(base, '/v1/chat/completions', { model, max_tokens: 4, messages: [{ role: 'user',
            content: [imagePart(`data:image/png;base64,${Buffer.from('not a png at all').toString('base64')}`)] }] });
        const [badIsolated, badIn] = [await bad('vl'), await bad('vl-in')];
        assert.equal(badIsolated.status, badIn.status, badIsolated.text);
        assert.equal(badIsolated.json.error.message, badIn.json.error.message);
        assert.equal((await request(base, '/v1/models/vl')).json.state, 'ready');
    });

    test('the server\'s limits reach the processes', async () => {
        const embeddings = await post(base, '/v1/embeddings', { model: 'bert', input: ['a', 'b', 'c', 'd'] });
        assert.equal(embeddings.status, 400, embeddings.text);
        assert.match(embeddings.json.error.message, /3/);
        const image = imagePart(dataUrl(makePng(8, 8, 1)));
        const images = await post(base, '/v1/chat/completions', { model: 'vl', max_tokens: 1,
            messages: [{ role: 'user', content: [image, image] }] });
        assert.equal(images.status, 400, images.text);
        assert.match(images.json.error.message, /image/i);
    });

    test('kill -9 during a transcription fails that request only', async () => {
        const pending = transcribe(base, 'whisper', { language: 'en' }, long);
        await sleep(300);
        process.kill(processOf(server, 'whisper'), 'SIGKILL');
        const killed = await pending;
        assert.equal(killed.status, 502, killed.text);
        assert.equal(killed.json.error.code, 'upstream_error');
        const other = await transcribe(base, 'whisper-in', { language: 'en' });
        assert.equal(other.status, 200, other.text);
        await assertAlive(base);
    });
});
