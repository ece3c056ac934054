// Live metrics, from the server's own Prometheus text (/metrics) every 2 s: totals, output tokens/s and
// requests in flight, and time to first token and inter-token latency p99 over the last 30 s, for the last
// minutes; per model the same percentiles since the server started (from the histograms).
import { api, el, errorText, formatBytes } from './api.js';

const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';
const KEEP = 90;  // samples drawn: 3 minutes
const WINDOW = 15;  // samples a latency percentile looks back over: 30 s
const samples = [];
let visibleNow = false;

// Prometheus text format: [{name, labels, value}] (comments skipped).
function parseMetrics(text) {
    const out = [];
    for (const line of text.split('\n')) {
        const m = /^([a-zA-Z_:][\w:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
        if (!m) {
            continue;
        }
        const labels = {};
        for (const pair of (m[3] || '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
            labels[pair[1]] = pair[2];
        }
        out.push({ name: m[1], labels, value: Number(m[4]) });
    }
    return out;
}

const sum = (metrics, name, filter = () => true) =>
    metrics.filter((s) => s.name === name && filter(s.labels)).reduce((a, s) => a + s.value, 0);

// A histogram's cumulative buckets summed over the series `filter` keeps: [[le, count]] by le.
function buckets(metrics, name, filter = () => true) {
    const sums = new Map();
    for (const s of metrics) {
        if (s.name === `${name}_bucket` && filter(s.labels)) {
            const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
            sums.set(le, (sums.get(le) || 0) + s.value);
        }
    }
    return [...sums.entries()].sort((a, b) => a[0] - b[0]);
}

// A quantile of cumulative buckets, interpolated within the bucket as Prometheus does; NaN when empty.
function quantileOf(sorted, q) {
    const total = sorted.length > 0 ? sorted[sorted.length - 1][1] : 0;
    if (!(total > 0)) {
        return NaN;
    }
    let previousLe = 0;
    let previousCount = 0;
    for (const [le, count] of sorted) {
        if (count >= q * total) {
            if (le === Infinity) {
                return previousLe;
            }
            const inBucket = count - previousCount;
            return previousLe + (le - previousLe) * (inBucket > 0 ? (q * total - previousCount) / inBucket : 0);
        }
        previousLe = le;
        previousCount = count;
    }
    return previousLe;
}

function histogramQuantile(metrics, name, q, filter = () => true) {
    return quantileOf(buckets(metrics, name, filter), q);
}

// The quantile of what a histogram observed between two of its bucket snapshots.
function windowQuantile(now, before, q) {
    const earlier = new Map(before);
    return quantileOf(now.map(([le, count]) => [le, count - (earlier.get(le) || 0)]), q);
}

function chart(title, values, unit) {
    const w = 260;
    const h = 70;
    const max = Math.max(1e-9, ...values);
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('width', w);
    svg.setAttribute('height', h);
    const line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('fill', 'none');
    line.setAttribute('stroke', '#b4442b');
    line.setAttribute('stroke-width', '2');
    line.setAttribute('points', values.map((v, i) =>
        `${(i / Math.max(1, KEEP - 1)) * w},${h - 4 - (v / max) * (h - 8)}`).join(' '));
    svg.append(line);
    const last = values.length > 0 ? values[values.length - 1] : 0;
    return el('div', { class: 'chart' }, el('div', {}, `${title}: ${last.toFixed(1)} ${unit}`), svg,
        el('div', { class: 'muted' }, `max ${max.toFixed(1)} over ${values.length * 2} s`));
}

const ms = (seconds) => (Number.isFinite(seconds) ? (seconds * 1000).toFixed(0) : '–');

function modelRows(metrics) {
    const names = [...new Set(metrics.filter((s) => s.name === 'hearth_requests_total' && s.labels.model)
        .map((s) => s.labels.model))].sort();
    return names.map((model) => {
        const mine = (l) => l.model === model;
        const q = (name, p) => ms(histogramQuantile(metrics, name, p, mine));
        return el('tr', { dataset: { model } }, el('td', {}, model), el('td', {}, sum(metrics, 'hearth_requests_total', mine)),
            el('td', {}, sum(metrics, 'hearth_generated_tokens_total', mine)),
            el('td', {}, `${q('hearth_time_to_first_token_seconds', 0.5)} / ${q('hearth_time_to_first_token_seconds', 0.99)}`),
            el('td', {}, `${q('hearth_inter_token_latency_seconds', 0.5)} / ${q('hearth_inter_token_latency_seconds', 0.99)}`));
    });
}

function card(label, value) {
    return el('div', { class: 'card' }, el('div', { class: 'muted' }, label), el('div', { class: 'value' }, value));
}

// p99 in ms over the window ending at each sample (0 where nothing was observed).
function latencySeries(key) {
    return samples.map((s, i) => {
        const value = windowQuantile(s[key], samples[Math.max(0, i - WINDOW)][key], 0.99) * 1000;
        return Number.isFinite(value) && i > 0 ? value : 0;
    });
}

function render(metrics) {
    const rate = samples.map((s, i) => (i === 0 ? 0 : Math.max(0, (s.tokens - samples[i - 1].tokens) / s.dt)));
    $('metrics-summary').replaceChildren(
        card('Uptime', `${Math.round(sum(metrics, 'hearth_uptime_seconds'))} s`),
        card('Requests', sum(metrics, 'hearth_requests_total')),
        card('In flight', sum(metrics, 'hearth_requests_in_flight')),
        card('Generated tokens', sum(metrics, 'hearth_generated_tokens_total')),
        card('Resident memory', formatBytes(sum(metrics, 'process_resident_memory_bytes'))));
    $('metrics-charts').replaceChildren(chart('Output tokens/s', rate.slice(-KEEP), 'tok/s'),
        chart('Requests in flight', samples.map((s) => s.inFlight).slice(-KEEP), ''),
        chart('TTFT p99, last 30 s', latencySeries('ttft').slice(-KEEP), 'ms'),
        chart('Inter-token p99, last 30 s', latencySeries('itl').slice(-KEEP), 'ms'));
    document.querySelector('#metrics-models tbody').replaceChildren(...modelRows(metrics));
}

async function poll() {
    const res = await api('/metrics');
    if (!res.ok) {
        $('metrics-summary').replaceChildren(el('div', { class: 'error' }, await errorText(res)));
        return;
    }
    const metrics = parseMetrics(await res.text());
    const now = performance.now();
    const previous = samples[samples.length - 1];
    samples.push({ at: now, dt: previous ? (now - previous.at) / 1000 : 2,
        tokens: sum(metrics, 'hearth_generated_tokens_total'), inFlight: sum(metrics, 'hearth_requests_in_flight'),
        ttft: buckets(metrics, 'hearth_time_to_first_token_seconds'),
        itl: buckets(metrics, 'hearth_inter_token_latency_seconds') });
    if (samples.length > KEEP + 1) {
        samples.shift();
    }
    if (visibleNow) {
        render(metrics);
    }
}

export function init() {
    setInterval(poll, 2000);
}

export function visible(shown) {
    visibleNow = shown;
    if (shown) {
        poll();
    }
}
