// `make soak` (not part of `make test`): mixed traffic over every model kind for --minutes (30 by default) against
// one server: streamed and whole chats, some dropped by the client midway, vision chats, completions, embeddings,
// rerank, transcriptions, speech, bad requests, and load/unload churn. Every 10 s it samples the server's
// resident memory and open files (reported). Resident memory and open files are judged in one state, with no
// traffic and every model loaded, after warm-up (the first fifth) and at the end. It fails (exit 1) when any
// answer is a 5xx or a transport error, when resident memory grew by 5% or more between those two points, or
// when open files did not return to their level. The figures are printed as JSON at the end. With --isolate the
// server runs every model from a file in a process of its own (`hearth serve --isolate`): open files are those
// of the server and its processes together, and so is resident memory with --no-churn (with churn the processes
// restart at random moments: the server's own memory is judged, theirs reported).
//
//   node tests/soak/soak.mjs [--minutes M] [--clients N] [--report FILE] [--no-churn] [--isolate]

import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { makePng } from '../e2e/lib/images.mjs';
import {
    HEARTH_MODELS, makeTempDir, mkmodel, removeTempDirs, startServer, stopAllServers,
} from '../e2e/lib/server.mjs';

const { values: opts } = parseArgs({ options: {
    minutes: { type: 'string', default: '30' }, clients: { type: 'string', default: '8' },
    report: { type: 'string', default: '' }, churn: { type: 'boolean', default: true },
    'no-churn': { type: 'boolean', default: false }, isolate: { type: 'boolean', default: false },
} });
const MINUTES = Number(opts.minutes);
const CLIENTS = Number(opts.clients);
const SAMPLE_MS = 10_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pick = (list) => list[Math.floor(Math.random() * list.length)];

function oneProcess(pid) {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)[1]) * 1024;
    return { rss, files: fs.readdirSync(`/proc/${pid}/fd`).length };
}

function fdKinds(pid) {
    const kinds = {};
    for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
        try {
            const k = fs.readlinkSync(`/proc/${pid}/fd/${fd}`).replace(/\[.*/, '');
            kinds[k] = (kinds[k] || 0) + 1;
        } catch {
            // closed meanwhile
        }
    }
    return kinds;
}

function childrenOf(pid) {
    return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
        try {
            return fs.readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1].split(' ')[1] === String(pid);
        } catch {
            return false;  // ended meanwhile
        }
    }).map(Number);
}

// The server's resident memory and open files, with its isolated models' processes when they run (each
// listed by the model it serves).
function processFigures(pid) {
    const total = oneProcess(pid);
    const each = { server: { ...total } };
    for (const child of opts.isolate ? childrenOf(pid) : []) {
        try {
            const figures = oneProcess(child);
            const argv = fs.readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0');
            each[argv[argv.indexOf('--load') + 1] ?? child] = { ...figures, kinds: fdKinds(child) };
            total.rss += figures.rss;
            total.files += figures.files;
        } catch {
            // ended meanwhile (churn)
        }
    }
    return opts.isolate ? { ...total, each } : total;
}

async function setUp() {
    const dir = await makeTempDir('soak');
    await mkmodel('tiny-qwen2', path.join(dir, 'chat.gguf'));
    await mkmodel('tiny-bert', path.join(dir, 'embed.gguf'));
    await mkmodel('tiny-rerank', path.join(dir, 'rerank.gguf'));
    await mkmodel('tiny-whisper', path.join(dir, 'whisper.bin'));
    fs.mkdirSync(path.join(dir, 'vl'));
    const vl = await mkmodel('tiny-qwen2', path.join(dir, 'vl', 'vision.gguf'), { seed: 7, untied: true });
    await mkmodel('tiny-clip-mlp', path.join(dir, 'vl', 'mmproj-vision.gguf'), { seed: 3, extra: ['--mmproj-for', vl] });
    const server = await startServer({ modelsDir: dir, builtinVoice: true,
        args: ['--threads', '1', '--np', '4', '--queue-size', '64', '--ctx-size', '1024',
            ...(opts.isolate ? ['--isolate'] : [])] });
    return { server, png: makePng(64, 48, 9).toString('base64'),
        wav: fs.readFileSync(path.join(HEARTH_MODELS, 'audio', 'jfk.wav')) };
}

function post(base, route, body, init = {}) {
    return fetch(`${base}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body), signal: AbortSignal.timeout(120_000), ...init });
}

// Reads a streamed answer; with `dropAfter`, goes away after that many bytes (a client disconnect).
async function drain(res, dropAfter = Infinity) {
    const reader = res.body.getReader();
    let bytes = 0;
    for (;;) {
        const { value, done } = await reader.read();
        if (done) {
            return 'complete';
        }
        bytes += value.length;
        if (bytes >= dropAfter) {
            await reader.cancel();
            return 'dropped';
        }
    }
}

// Each action returns [name, outcome]; an HTTP status of 5xx or a thrown error counts as a failure.
function actions(ctx) {
    const base = ctx.server.baseURL;
    const chat = (model, content, extra = {}) => ({ model, messages: [{ role: 'user', content }],
        max_tokens: 8 + Math.floor(Math.random() * 40), ...extra });
    return [
        ['chat-stream', async () => {
            const res = await post(base, '/v1/chat/completions', chat('chat', 'Tell me a story', { stream: true }));
            return res.ok ? drain(res, Math.random() < 0.2 ? 200 : Infinity) : res.status;
        }],
        ['chat', async () => (await post(base, '/v1/chat/completions', chat('chat', 'Hello'))).status],
        ['vision', async () => (await post(base, '/v1/chat/completions', chat('vision', [{ type: 'text', text: 'What?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${ctx.png}` } }]))).status],
        ['completion', async () => (await post(base, '/v1/completions',
            { model: 'chat', prompt: 'Once upon', max_tokens: 16 })).status],
        ['embeddings', async () => (await post(base, '/v1/embeddings',
            { model: 'embed', input: Array.from({ length: 1 + Math.floor(Math.random() * 8) }, (_, i) => `text ${i}`) }))
            .status],
        ['rerank', async () => (await post(base, '/v1/rerank',
            { model: 'rerank', query: 'pets', documents: ['cats', 'stocks', 'dogs'] })).status],
        ['transcription', async () => {
            const form = new FormData();
            form.append('model', 'whisper');
            form.append('file', new Blob([ctx.wav], { type: 'audio/wav' }), 'jfk.wav');
            return (await fetch(`${base}/v1/audio/transcriptions`, { method: 'POST', body: form,
                signal: AbortSignal.timeout(120_000) })).status;
        }],
        ['speech', async () => {
            const res = await post(base, '/v1/audio/speech', { model: 'flite', input: 'Soak test.', voice: 'slt' });
            return res.ok ? drain(res, Math.random() < 0.2 ? 2000 : Infinity) : res.status;
        }],
        ['bad-request', async () => (await post(base, pick(['/v1/chat/completions', '/v1/embeddings', '/v1/rerank']),
            pick(['{not json', '{"model":"nosuch","messages":[]}', '{"model":"chat","messages":"x"}',
                '{"model":"chat","messages":[{"role":"user","content":"x"}],"max_tokens":-1}']))).status],
        ['churn', async () => (await fetch(`${base}/v1/models/${pick(['chat', 'embed', 'rerank', 'whisper', 'vision'])}/` +
            pick(['unload', 'load']), { method: 'POST', signal: AbortSignal.timeout(120_000) })).status],
    ].filter(([name]) => name !== 'churn' || !opts['no-churn']);
}

// 4xx and 429 are expected (bad requests, a full queue); 5xx, 409 from churn aside, and thrown errors are not.
function classify(name, outcome) {
    if (typeof outcome === 'string') {
        return 'ok';
    }
    if (outcome >= 200 && outcome < 300) {
        return 'ok';
    }
    if (outcome >= 400 && outcome < 500) {
        return name === 'bad-request' || outcome === 429 ? 'expected' : 'unexpected';
    }
    return 'failure';
}

async function client(ctx, table, until) {
    const list = actions(ctx);
    while (Date.now() < until) {
        const [name, run] = list[Math.floor(Math.random() * list.length)];
        let outcome;
        try {
            outcome = await run();
        } catch (e) {
            outcome = `error: ${e.message}`;
        }
        const kind = typeof outcome === 'string' && outcome.startsWith('error') ? 'failure' : classify(name, outcome);
        const key = `${name} ${outcome}`;
        table.counts[key] = (table.counts[key] || 0) + 1;
        table[kind]++;
        if (kind === 'failure' || kind === 'unexpected') {
            table.examples.push(key);
        }
    }
}

// The state in which resident memory is compared: no traffic, every model loaded (churn leaves a different set
// loaded at any other moment, and each model is hundreds of MB).
async function canonical(ctx) {
    for (const id of ['chat', 'embed', 'rerank', 'whisper', 'vision', 'flite']) {
        await fetch(`${ctx.server.baseURL}/v1/models/${id}/load`, { method: 'POST', signal: AbortSignal.timeout(120_000) });
    }
    await sleep(2000);
    return processFigures(ctx.server.proc.pid);
}

async function main() {
    const ctx = await setUp();
    const pid = ctx.server.proc.pid;
    const started = Date.now();
    const table = { ok: 0, expected: 0, unexpected: 0, failure: 0, counts: {}, examples: [] };
    const samples = [];
    const sampler = setInterval(() => samples.push({ t: Math.round((Date.now() - started) / 1000),
        ...processFigures(pid) }), SAMPLE_MS);
    const run = (ms) => Promise.all(Array.from({ length: CLIENTS }, () => client(ctx, table, Date.now() + ms)));
    await run((MINUTES * 60_000) / 5);  // warm-up
    const warm = await canonical(ctx);
    await run((MINUTES * 60_000 * 4) / 5);
    clearInterval(sampler);
    const end = await canonical(ctx);
    // With isolated models under churn, their processes start afresh at random moments, so their sum is no
    // level to compare: the server's own memory is judged (and every process's open files); without churn, all.
    const judged = opts.isolate && !opts['no-churn'] ? [warm.each.server.rss, end.each.server.rss] : [warm.rss, end.rss];
    const growth = (judged[1] - judged[0]) / judged[0];
    const report = { minutes: MINUTES, clients: CLIENTS, isolate: opts.isolate, requests: table.ok + table.expected + table.unexpected +
        table.failure, ok: table.ok, expected_4xx_429: table.expected, unexpected_4xx: table.unexpected,
    failures: table.failure, rss_after_warm_up_mib: +(warm.rss / 1048576).toFixed(1),
    rss_at_end_mib: +(end.rss / 1048576).toFixed(1), rss_growth_pct: +(growth * 100).toFixed(2),
    rss_judged: opts.isolate && !opts['no-churn'] ? 'server process' : 'all processes',
    rss_peak_mib: +(Math.max(...samples.map((x) => x.rss), end.rss) / 1048576).toFixed(1),
    files_after_warm_up: warm.files, files_at_end: end.files, processes_after_warm_up: warm.each,
    processes_at_end: end.each, examples: table.examples.slice(0, 10),
    counts: table.counts, samples };
    console.log(JSON.stringify(report, null, 2));
    if (opts.report) {
        fs.writeFileSync(opts.report, JSON.stringify(report, null, 2));
    }
    await stopAllServers();
    await removeTempDirs();
    const ok = table.failure === 0 && table.unexpected === 0 && growth < 0.05 && end.files <= warm.files + 4;
    console.log(ok ? 'soak: passed' : 'soak: FAILED');
    process.exit(ok ? 0 : 1);
}

await main();
