// Embeddings and rerank, tried by hand: vectors of a few texts with their cosine similarities, and
// documents ordered by their relevance to a query.
import { el, errorText, postJson } from './api.js';
import { fillSelect, subscribe } from './models.js';

const $ = (id) => document.getElementById(id);

const lines = (id) => $(id).value.split('\n').map((s) => s.trim()).filter((s) => s !== '');

function cosine(a, b) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let i = 0; i < a.length; i++) {
        dot += a[i] * b[i];
        na += a[i] * a[i];
        nb += b[i] * b[i];
    }
    return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

function showError(table, message) {
    table.replaceChildren(el('tr', {}, el('td', { class: 'error' }, message)));
}

async function embed() {
    const table = $('embed-result');
    const texts = lines('embed-input');
    if (texts.length === 0) {
        return showError(table, 'write one text per line');
    }
    const res = await postJson('/v1/embeddings', { model: $('embed-model').value, input: texts });
    if (!res.ok) {
        return showError(table, await errorText(res));
    }
    const vectors = (await res.json()).data.sort((a, b) => a.index - b.index).map((d) => d.embedding);
    const head = el('tr', {}, el('th', {}, 'Text'), el('th', {}, 'Dimensions'), el('th', {}, 'First values'),
        ...texts.map((_, j) => el('th', {}, `cos #${j + 1}`)));
    const rows = texts.map((text, i) => el('tr', {}, el('td', {}, `#${i + 1} ${text}`),
        el('td', {}, vectors[i].length), el('td', {}, vectors[i].slice(0, 4).map((v) => v.toFixed(4)).join(', ')),
        ...vectors.map((v) => el('td', {}, cosine(vectors[i], v).toFixed(3)))));
    table.replaceChildren(head, ...rows);
}

async function rerank() {
    const table = $('rerank-result');
    const documents = lines('rerank-docs');
    const query = $('rerank-query').value.trim();
    if (!query || documents.length === 0) {
        return showError(table, 'write a query and one document per line');
    }
    const res = await postJson('/v1/rerank', { model: $('rerank-model').value, query, documents });
    if (!res.ok) {
        return showError(table, await errorText(res));
    }
    const results = (await res.json()).results.sort((a, b) => b.relevance_score - a.relevance_score);
    table.replaceChildren(el('tr', {}, el('th', {}, 'Rank'), el('th', {}, 'Score'), el('th', {}, 'Document')),
        ...results.map((r, i) => el('tr', {}, el('td', {}, i + 1), el('td', {}, r.relevance_score.toFixed(4)),
            el('td', {}, documents[r.index]))));
}

export function init() {
    $('embed-run').addEventListener('click', embed);
    $('rerank-run').addEventListener('click', rerank);
    subscribe((list) => {
        fillSelect($('embed-model'), list, 'embeddings');
        fillSelect($('rerank-model'), list, 'rerank');
    });
}
