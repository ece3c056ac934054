// Reading back the audio hearth's /v1/audio/speech returns: ffprobe's view of a file, FFmpeg's decoding of it to
// 24 kHz mono 16-bit samples, and the server-sent events of stream_format "sse".

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export function ffmpegRaw(args, { input, env = {} } = {}) {
    return execFileSync('ffmpeg', ['-nostdin', '-loglevel', 'error', '-y', ...args],
        { input, maxBuffer: 1 << 28, env: { ...process.env, ...env } });
}

// { sampleRate, channels, codec, duration } of the first audio stream, as ffprobe reads the bytes.
export function probeAudio(bytes, dir, name) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    const out = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'a:0', '-show_entries',
        'stream=sample_rate,channels,codec_name:format=duration', '-of', 'json', file], { encoding: 'utf8' });
    const info = JSON.parse(out);
    const stream = info.streams[0];
    return { sampleRate: Number(stream.sample_rate), channels: stream.channels, codec: stream.codec_name,
        duration: Number(info.format.duration) };
}

// The file decoded by FFmpeg to 24 kHz mono s16le samples (Int16Array).
export function decodeToPcm(bytes, dir, name) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    const raw = ffmpegRaw(['-i', file, '-f', 's16le', '-ac', '1', '-ar', '24000', '-']);
    return new Int16Array(raw.buffer, raw.byteOffset, raw.length / 2);
}

export function pcmSamples(bytes) {
    const buf = Buffer.from(bytes);
    return new Int16Array(buf.buffer, buf.byteOffset, buf.length / 2);
}

export function maxAbsDiff(a, b) {
    assert.equal(a.length, b.length, `lengths ${a.length} and ${b.length}`);
    let worst = 0;
    for (let i = 0; i < a.length; ++i) {
        worst = Math.max(worst, Math.abs(a[i] - b[i]));
    }
    return worst;
}

export function rms(samples) {
    let sum = 0;
    for (const s of samples) {
        sum += s * s;
    }
    return Math.sqrt(sum / Math.max(1, samples.length));
}

// The events of an SSE body: [{type, audio, usage}...].
export function sseEvents(text) {
    return text.split('\n\n').filter((e) => e.trim()).map((e) => {
        assert.match(e, /^data: /, `event: ${e.slice(0, 80)}`);
        return JSON.parse(e.slice(6));
    });
}

// The audio bytes the deltas of an SSE body carry, and its done event.
export function sseAudio(text) {
    const events = sseEvents(text);
    const deltas = events.filter((e) => e.type === 'speech.audio.delta');
    const done = events.at(-1);
    assert.equal(done.type, 'speech.audio.done', 'the last event');
    assert.equal(events.filter((e) => e.type === 'speech.audio.done').length, 1);
    return { audio: Buffer.concat(deltas.map((d) => Buffer.from(d.audio, 'base64'))), deltas: deltas.length,
        usage: done.usage };
}
