// The models view: every model the server knows with its state, kind, memory (RAM and GPU), slots and queue,
// load and unload buttons, and a pull with progress. It also polls the list that the other views' model
// pickers are filled from (subscribe()).
import { api, el, errorText, formatBytes, postJson, readEvents } from './api.js';

const listeners = [];
let latest = [];
let visibleNow = false;

export function subscribe(listener) {
    listeners.push(listener);
    listener(latest);
}

// Fills a <select> with the ids of the models that have `capability`, keeping the current choice.
export function fillSelect(select, list, capability) {
    const chosen = select.value;
    const ids = list.filter((m) => (m.capabilities || []).includes(capability)).map((m) => m.id);
    if (ids.join('\n') === [...select.options].map((o) => o.value).join('\n')) {
        return;
    }
    select.replaceChildren(...ids.map((id) => el('option', { value: id }, id)));
    if (ids.includes(chosen)) {
        select.value = chosen;
    }
}

function stateCell(m) {
    const text = m.state === 'loading' && m.load_progress !== undefined
        ? `loading ${Math.round(m.load_progress * 100)}%` : m.state;
    return el('td', { class: `state-${m.state}`, title: m.last_error || '' }, text,
        m.last_error ? el('div', { class: 'error' }, m.last_error) : null);
}

async function action(id, verb, button) {
    button.disabled = true;
    const res = await api(`/v1/models/${encodeURIComponent(id)}/${verb}`, { method: 'POST' });
    const status = document.getElementById('pull-status');
    status.textContent = res.ok ? '' : `${verb} ${id}: ${await errorText(res)}`;
    await refresh();
}

function row(m) {
    const slots = m.slots || {};
    const loaded = m.state === 'ready' || m.state === 'loading';
    const button = el('button', { dataset: { model: m.id } }, loaded ? 'Unload' : 'Load');
    button.addEventListener('click', () => action(m.id, loaded ? 'unload' : 'load', button));
    return el('tr', { dataset: { model: m.id } }, el('td', {}, m.id), el('td', {}, m.kind), stateCell(m),
        el('td', {}, formatBytes(m.memory_bytes)), el('td', {}, formatBytes(m.vram_bytes)),
        el('td', {}, slots.total ? `${slots.busy}/${slots.total}` : '–'), el('td', {}, slots.queued ?? '–'),
        el('td', {}, button));
}

export async function refresh() {
    const res = await api('/v1/models');
    const status = document.getElementById('server-status');
    if (!res.ok) {
        status.textContent = `server: ${await errorText(res)}`;
        return;
    }
    latest = (await res.json()).data;
    const ready = latest.filter((m) => m.state === 'ready').length;
    status.textContent = `${latest.length} models, ${ready} loaded`;
    document.querySelector('#models-table tbody').replaceChildren(...latest.map(row));
    for (const listener of listeners) {
        listener(latest);
    }
}

async function pull() {
    const ref = document.getElementById('pull-ref').value.trim();
    const progress = document.getElementById('pull-progress');
    const status = document.getElementById('pull-status');
    if (!ref) {
        status.textContent = 'name a model to pull';
        return;
    }
    progress.hidden = false;
    progress.value = 0;
    status.textContent = 'starting';
    const res = await postJson('/v1/models/pull', { model: ref, stream: true });
    if (!res.ok) {
        status.textContent = await errorText(res);
        progress.hidden = true;
        return;
    }
    await readEvents(res, (data) => {
        const event = JSON.parse(data);
        if (event.total > 0) {
            progress.value = event.completed / event.total;
        }
        status.textContent = event.status === 'error' ? (event.error?.message || 'failed')
            : `${event.status}${event.file ? ` ${event.file}` : ''}`;
    });
    await refresh();
}

export function init() {
    document.getElementById('pull-button').addEventListener('click', pull);
    refresh();
    setInterval(() => {
        if (visibleNow || listeners.length > 0) {
            refresh();
        }
    }, 2000);
}

export function visible(shown) {
    visibleNow = shown;
    if (shown) {
        refresh();
    }
}
