// The chat playground: a conversation with any chat model, streamed as it is generated, with a stop button,
// a system prompt, sampling settings, an image for vision models, replies rendered as safe markdown and a
// thinking model's reasoning folded away.
import { el, errorText, postJson, readEvents } from './api.js';
import { renderMarkdown } from './markdown.js';
import { fillSelect, subscribe } from './models.js';

const $ = (id) => document.getElementById(id);
let history = [];  // OpenAI messages: the turns so far
let image = null;  // a data: URL to send with the next message
let controller = null;
let models = [];

function userContent(text) {
    if (!image) {
        return text;
    }
    return [{ type: 'text', text }, { type: 'image_url', image_url: { url: image } }];
}

function number(id) {
    const value = Number($(id).value);
    return Number.isFinite(value) ? value : undefined;
}

function requestBody() {
    const messages = [];
    const system = $('chat-system').value.trim();
    if (system) {
        messages.push({ role: 'system', content: system });
    }
    return {
        model: $('chat-model').value, messages: [...messages, ...history], stream: true,
        stream_options: { include_usage: true }, temperature: number('chat-temperature'), top_p: number('chat-top-p'),
        max_tokens: number('chat-max-tokens'),
    };
}

// An assistant message's element, updated as deltas arrive (one render per animation frame).
function replyView() {
    const reasoning = el('div', { class: 'reasoning' });
    const details = el('details', { hidden: true }, el('summary', {}, 'Reasoning'), reasoning);
    const body = el('div', { class: 'content' });
    const node = el('div', { class: 'msg assistant' }, details, body);
    let text = '';
    let thought = '';
    let scheduled = false;
    const render = () => {
        scheduled = false;
        body.replaceChildren(renderMarkdown(text));
        reasoning.textContent = thought;
        details.hidden = thought === '';
        $('chat-log').scrollTop = $('chat-log').scrollHeight;
    };
    return {
        node,
        add(delta) {
            text += delta.content || '';
            thought += delta.reasoning_content || '';
            if (!scheduled) {
                scheduled = true;
                requestAnimationFrame(render);
            }
        },
        text: () => text,
        finish: render,
    };
}

function setBusy(busy) {
    $('chat-send').disabled = busy;
    $('chat-stop').disabled = !busy;
}

async function stream(view, signal) {
    const started = performance.now();
    const res = await postJson('/v1/chat/completions', requestBody(), { signal });
    if (!res.ok) {
        throw new Error(await errorText(res));
    }
    let usage = null;
    await readEvents(res, (data) => {
        if (data === '[DONE]') {
            return;
        }
        const chunk = JSON.parse(data);
        if (chunk.error) {
            throw new Error(chunk.error.message || 'the stream failed');
        }
        usage = chunk.usage || usage;
        const delta = chunk.choices?.[0]?.delta;
        if (delta) {
            view.add(delta);
        }
    });
    const seconds = (performance.now() - started) / 1000;
    return usage ? `${usage.prompt_tokens} prompt + ${usage.completion_tokens} generated tokens in ${seconds.toFixed(1)} s`
        : 'done';
}

async function send() {
    const text = $('chat-input').value.trim();
    if (!text || controller) {
        return;
    }
    history.push({ role: 'user', content: userContent(text) });
    $('chat-log').append(el('div', { class: 'msg user' }, text, image ? el('img', { src: image, alt: 'attached' }) : null));
    $('chat-input').value = '';
    clearImage();
    const view = replyView();
    $('chat-log').append(view.node);
    controller = new AbortController();
    setBusy(true);
    $('chat-status').textContent = 'generating';
    try {
        $('chat-status').textContent = await stream(view, controller.signal);
    } catch (e) {
        $('chat-status').textContent = e.name === 'AbortError' ? 'stopped' : `error: ${e.message}`;
    }
    view.finish();
    if (view.text()) {
        history.push({ role: 'assistant', content: view.text() });
    } else {
        history.pop();  // nothing answered: the turn is not part of the conversation
    }
    controller = null;
    setBusy(false);
}

function clearImage() {
    image = null;
    $('chat-image').value = '';
    $('chat-image-preview').hidden = true;
}

function attach() {
    const file = $('chat-image').files[0];
    if (!file) {
        return;
    }
    const reader = new FileReader();
    reader.onload = () => {
        image = reader.result;
        $('chat-image-preview').src = image;
        $('chat-image-preview').hidden = false;
    };
    reader.readAsDataURL(file);
}

function updateVision() {
    const model = models.find((m) => m.id === $('chat-model').value);
    const vision = (model?.capabilities || []).includes('vision');
    $('chat-image').disabled = !vision;
    if (!vision) {
        clearImage();
    }
}

export function init() {
    $('chat-send').addEventListener('click', send);
    $('chat-stop').addEventListener('click', () => controller?.abort());
    $('chat-clear').addEventListener('click', () => {
        history = [];
        $('chat-log').replaceChildren();
    });
    $('chat-input').addEventListener('keydown', (e) => {
        if (e.key === 'Enter' && !e.shiftKey) {
            e.preventDefault();
            send();
        }
    });
    $('chat-image').addEventListener('change', attach);
    $('chat-model').addEventListener('change', updateVision);
    subscribe((list) => {
        models = list;
        fillSelect($('chat-model'), list, 'chat');
        updateVision();
    });
}
