// Audio: a clip (uploaded, or recorded in the browser) transcribed by a speech-to-text model, and text spoken
// by a text-to-speech model into a player.
import { api, el, errorText, postJson } from './api.js';
import { fillSelect, subscribe } from './models.js';

const $ = (id) => document.getElementById(id);
let recorder = null;

async function transcribe(blob, name) {
    const form = new FormData();
    form.append('model', $('stt-model').value);
    form.append('file', blob, name);
    $('stt-status').textContent = 'transcribing';
    const res = await api('/v1/audio/transcriptions', { method: 'POST', body: form });
    if (!res.ok) {
        $('stt-status').textContent = await errorText(res);
        return;
    }
    $('stt-result').textContent = (await res.json()).text;
    $('stt-status').textContent = '';
}

async function record() {
    if (recorder) {
        recorder.stop();
        return;
    }
    let stream;
    try {
        stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (e) {
        $('stt-status').textContent = `no microphone: ${e.message}`;
        return;
    }
    const chunks = [];
    recorder = new MediaRecorder(stream);
    recorder.ondataavailable = (e) => chunks.push(e.data);
    recorder.onstop = () => {
        stream.getTracks().forEach((t) => t.stop());
        $('stt-record').textContent = 'Record';
        const type = recorder.mimeType || 'audio/webm';
        recorder = null;
        transcribe(new Blob(chunks, { type }), type.includes('ogg') ? 'clip.ogg' : 'clip.webm');
    };
    recorder.start();
    $('stt-record').textContent = 'Stop recording';
    $('stt-status').textContent = 'recording';
}

async function loadVoices() {
    const model = $('tts-model').value;
    if (!model) {
        return;
    }
    const res = await api(`/v1/audio/voices?model=${encodeURIComponent(model)}`);
    if (!res.ok) {
        return;
    }
    const voices = (await res.json()).data.filter((v) => v.model === model).map((v) => v.id);
    $('tts-voice').replaceChildren(...voices.map((v) => el('option', { value: v }, v)));
}

async function speak() {
    const input = $('tts-input').value.trim();
    if (!input) {
        $('tts-status').textContent = 'write something to speak';
        return;
    }
    $('tts-status').textContent = 'speaking';
    const body = { model: $('tts-model').value, input, response_format: 'wav' };
    if ($('tts-voice').value) {
        body.voice = $('tts-voice').value;
    }
    const res = await postJson('/v1/audio/speech', body);
    if (!res.ok) {
        $('tts-status').textContent = await errorText(res);
        return;
    }
    const player = $('tts-audio');
    if (player.src) {
        URL.revokeObjectURL(player.src);
    }
    player.src = URL.createObjectURL(await res.blob());
    player.hidden = false;
    $('tts-status').textContent = '';
}

export function init() {
    $('stt-file').addEventListener('change', () => {
        const file = $('stt-file').files[0];
        if (file) {
            transcribe(file, file.name);
        }
    });
    $('stt-record').addEventListener('click', record);
    $('tts-run').addEventListener('click', speak);
    $('tts-model').addEventListener('change', loadVoices);
    subscribe((list) => {
        fillSelect($('stt-model'), list, 'transcription');
        const before = $('tts-model').value;
        fillSelect($('tts-model'), list, 'speech');
        if ($('tts-model').value !== before) {
            loadVoices();
        }
    });
}
