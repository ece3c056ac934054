// The built-in web page in headless Chromium (Debian's, driven by puppeteer-core): it loads under its
// Content-Security-Policy with no console error, lists the generated models, loads and unloads one, streams a
// chat reply and stops one midway (the server cancels it), sends an image to a vision model, tries embeddings,
// rerank, transcription and speech, and shows metrics. With API keys on it asks for a key, keeps it in session
// storage only, and says when the key is refused. --no-webui turns the page off. Screenshots go to
// $HEARTH_ARTIFACTS/webui (the build's test-artifacts folder under ctest).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import puppeteer from 'puppeteer-core';

import { startFakeHub } from './lib/fake_hub.mjs';
import { request } from './lib/http.mjs';
import { makePng } from './lib/images.mjs';
import {
    HEARTH_MODELS, makeTempDir, mkmodel, removeTempDirs, startServer, stopAllServers,
} from './lib/server.mjs';

const CHROMIUM = process.env.HEARTH_CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = path.join(process.env.HEARTH_ARTIFACTS || path.join(os.tmpdir(), 'hearth-artifacts'), 'webui');
const WAIT = { timeout: 30_000 };

async function launch() {
    return puppeteer.launch({ executablePath: CHROMIUM, headless: true,
        // A fake microphone (a tone) that needs no permission prompt: the Record button can be tested.
        args: ['--no-sandbox', '--disable-gpu', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'],
    });
}

// A page that records console errors, page errors and failed requests (a CSP refusal is a console error).
async function openPage(browser, url) {
    const page = await browser.newPage();
    const problems = [];
    page.on('console', (m) => {
        if (m.type() === 'error') {
            problems.push(`console: ${m.text()}`);
        }
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('response', (r) => {
        if (r.status() >= 400) {
            problems.push(`HTTP ${r.status()} for ${r.url()}`);
        }
    });
    await page.setViewport({ width: 1200, height: 900 });
    await page.goto(url, { waitUntil: 'load' });
    return { page, problems };
}

async function shot(page, name) {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

const text = (page, selector) => page.$eval(selector, (n) => n.textContent);

async function model(base, id, headers = {}) {
    const res = await request(base, `/v1/models/${id}`, { headers });
    assert.equal(res.status, 200, res.text);
    return res.json;
}

async function tab(page, name) {
    await page.click(`#tabs button[data-tab="${name}"]`);
    await page.waitForSelector(`#tab-${name}:not([hidden])`, WAIT);
}

// Waits for the chat's status line to say the reply is done; returns its text.
async function chatDone(page) {
    await page.waitForFunction(() => /generated tokens|stopped|error/.test(document.getElementById('chat-status')
        .textContent), WAIT);
    return text(page, '#chat-status');
}

describe('the web page', () => {
    let dir;
    let base;
    let browser;

    before(async () => {
        dir = await makeTempDir('webui');
        await mkmodel('tiny-qwen2', path.join(dir, 'qwen.gguf'));
        // A projector pairs with every text model of its folder: the vision pair gets a folder of its own.
        fs.mkdirSync(path.join(dir, 'vl'));
        const vl = await mkmodel('tiny-qwen2', path.join(dir, 'vl', 'qwen-vl.gguf'), { seed: 7, untied: true });
        await mkmodel('tiny-clip-mlp', path.join(dir, 'vl', 'mmproj-qwen-vl.gguf'),
            { seed: 3, extra: ['--mmproj-for', vl] });
        await mkmodel('tiny-qwq', path.join(dir, 'qwq.gguf'));
        await mkmodel('tiny-bert', path.join(dir, 'bert.gguf'));
        await mkmodel('tiny-rerank', path.join(dir, 'rerank.gguf'));
        await mkmodel('tiny-whisper', path.join(dir, 'whisper.bin'));
        fs.writeFileSync(path.join(dir, 'picture.png'), makePng(64, 48, 5));
        base = (await startServer({ modelsDir: dir, args: ['--threads', '1', '--ctx-size', '2048'],
            builtinVoice: true })).baseURL;
        browser = await launch();
    });

    after(async () => {
        await browser?.close();
        await stopAllServers();
        await removeTempDirs();
    });

    test('loads with no console error and lists every model', async () => {
        const { page, problems } = await openPage(browser, `${base}/`);
        await page.waitForSelector('#models-table tr[data-model="qwen"]', WAIT);
        const ids = await page.$$eval('#models-table tbody tr', (rows) => rows.map((r) => r.dataset.model));
        for (const id of ['qwen', 'qwen-vl', 'qwq', 'bert', 'rerank', 'whisper', 'flite']) {
            assert.ok(ids.includes(id), `${id} not listed: ${ids}`);
        }
        await shot(page, 'models');
        assert.deepEqual(problems, []);
        await page.close();
    });

    test('loads and unloads a model with its buttons', async () => {
        const { page, problems } = await openPage(browser, `${base}/`);
        const button = 'tr[data-model="qwen"] button';
        await page.waitForSelector(button, WAIT);
        assert.equal(await text(page, button), 'Load');
        await page.click(button);
        await page.waitForFunction(() => document.querySelector('tr[data-model="qwen"] .state-ready'), WAIT);
        assert.equal((await model(base, 'qwen')).state, 'ready');
        assert.equal(await text(page, button), 'Unload');
        await page.click(button);
        await page.waitForFunction(() => document.querySelector('tr[data-model="qwen"] .state-unloaded'), WAIT);
        assert.equal((await model(base, 'qwen')).state, 'unloaded');
        assert.deepEqual(problems, []);
        await page.close();
    });

    test('chat: streams a reply, and Stop ends one midway (the server cancels it)', async () => {
        const { page, problems } = await openPage(browser, `${base}/#chat`);
        await page.waitForSelector('#chat-model option[value="qwen"]', WAIT);
        await page.select('#chat-model', 'qwen');
        await page.$eval('#chat-max-tokens', (n) => { n.value = '12'; });
        await page.type('#chat-input', 'Hello there');
        await page.keyboard.press('Enter');
        assert.match(await chatDone(page), /\d+ prompt \+ 12 generated tokens/);
        assert.ok((await text(page, '.msg.assistant .content')).length > 0, 'no reply shown');

        const before = (await model(base, 'qwen')).slots.cancelled;
        await page.$eval('#chat-max-tokens', (n) => { n.value = '1500'; });
        await page.type('#chat-input', 'Tell me a very long story');
        await page.click('#chat-send');
        await page.waitForFunction(() => document.querySelectorAll('.msg.assistant')[1]?.textContent.length > 200, WAIT);
        await page.click('#chat-stop');
        assert.equal(await chatDone(page), 'stopped');
        let slots;
        for (let i = 0; i < 50; i++) {
            slots = (await model(base, 'qwen')).slots;
            if (slots.busy === 0) {
                break;
            }
            await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(slots.busy, 0, 'the generation went on after Stop');
        assert.equal(slots.cancelled, before + 1);
        await shot(page, 'chat');
        assert.deepEqual(problems, []);
        await page.close();
    });

    test('chat: an image attached to a vision model reaches it (the prompt grows by the image)', async () => {
        const { page, problems } = await openPage(browser, `${base}/#chat`);
        await page.waitForSelector('#chat-model option[value="qwen-vl"]', WAIT);
        await page.select('#chat-model', 'qwen-vl');
        await page.waitForFunction(() => !document.getElementById('chat-image').disabled, WAIT);
        await page.$eval('#chat-max-tokens', (n) => { n.value = '4'; });
        await page.type('#chat-input', 'What is this?');
        await page.click('#chat-send');
        const plain = Number(/(\d+) prompt/.exec(await chatDone(page))[1]);
        await page.click('#chat-clear');
        const input = await page.$('#chat-image');
        await input.uploadFile(path.join(dir, 'picture.png'));
        await page.waitForSelector('#chat-image-preview:not([hidden])', WAIT);
        await page.type('#chat-input', 'What is this?');
        await page.click('#chat-send');
        const status = await chatDone(page);
        const withImage = Number(/(\d+) prompt/.exec(status)?.[1]);
        assert.ok(withImage >= plain + 36, `image prompt ${withImage} tokens against ${plain} without (${status})`);
        assert.ok(await page.$('.msg.user img'), 'the sent image is not shown');
        await page.select('#chat-model', 'qwen');
        assert.equal(await page.$eval('#chat-image', (n) => n.disabled), true, 'a text model accepts images');
        await shot(page, 'vision');
        assert.deepEqual(problems, []);
        await page.close();
    });

    test('chat: a thinking model\'s reasoning is shown folded, apart from the answer', async () => {
        const { page, problems } = await openPage(browser, `${base}/#chat`);
        await page.waitForSelector('#chat-model option[value="qwq"]', WAIT);
        await page.select('#chat-model', 'qwq');
        await page.$eval('#chat-max-tokens', (n) => { n.value = '16'; });
        await page.type('#chat-input', 'Think about it');
        await page.click('#chat-send');
        assert.match(await chatDone(page), /generated tokens/);
        const folded = await page.$eval('.msg.assistant details', (d) => ({ hidden: d.hidden, open: d.open,
            text: d.querySelector('.reasoning').textContent }));
        assert.equal(folded.hidden, false, 'no reasoning shown');
        assert.equal(folded.open, false, 'the reasoning is not folded');
        assert.ok(folded.text.length > 0);
        assert.deepEqual(problems, []);
        await page.close();
    });

    test('markdown from a model is rendered as text nodes: code blocks, lists, links; never HTML', async () => {
        const { page, problems } = await openPage(browser, `${base}/`);
        const out = await page.evaluate(async () => {
            const { renderMarkdown } = await import('/ui/markdown.js');
            window.pwned = false;
            const host = document.createElement('div');
            host.append(renderMarkdown([
                '# Title', 'Some **bold** and *italic* and `code <b>`.', '<img src=x onerror="window.pwned=true">',
                '<script>window.pwned = true</script>', '- one', '- [two](https://example.com/a)',
                '- [bad](javascript:alert(1))', '```js', 'if (a < b) { run("<i>"); }', '```', '1. first', '2. second',
                '```', 'unclosed <u>fence',
            ].join('\n')));
            document.body.append(host);
            await new Promise((r) => setTimeout(r, 100));
            return {
                pwned: window.pwned, tags: [...host.querySelectorAll('*')].map((n) => n.tagName.toLowerCase()),
                code: [...host.querySelectorAll('pre code')].map((n) => n.textContent),
                links: [...host.querySelectorAll('a')].map((a) => a.getAttribute('href')),
                text: host.textContent,
            };
        });
        assert.equal(out.pwned, false);
        for (const tag of ['img', 'script', 'b', 'i', 'u']) {
            assert.ok(!out.tags.includes(tag), `a <${tag}> element was created: ${out.tags}`);
        }
        for (const tag of ['h3', 'strong', 'em', 'code', 'ul', 'ol', 'pre', 'a']) {
            assert.ok(out.tags.includes(tag), `no <${tag}>: ${out.tags}`);
        }
        assert.deepEqual(out.code, ['if (a < b) { run("<i>"); }', 'unclosed <u>fence']);
        assert.deepEqual(out.links, ['https://example.com/a']);
        assert.match(out.text, /<img src=x onerror/);
        assert.deepEqual(problems, []);
        await page.close();
    });

    test('embeddings, rerank, transcription and speech', async () => {
        const { page, problems } = await openPage(browser, `${base}/#tryout`);
        await page.waitForSelector('#embed-model option[value="bert"]', WAIT);
        await page.type('#embed-input', 'a cat\na dog');
        await page.click('#embed-run');
        await page.waitForFunction(() => document.querySelectorAll('#embed-result tr').length === 3, WAIT);
        assert.equal((await text(page, '#embed-result tr:nth-child(2) td:nth-child(4)')).trim(), '1.000');
        await page.type('#rerank-query', 'pets');
        await page.type('#rerank-docs', 'cats\nstocks\ndogs');
        await page.click('#rerank-run');
        await page.waitForFunction(() => document.querySelectorAll('#rerank-result tr').length === 4, WAIT);
        await shot(page, 'tryout');

        await tab(page, 'audio');
        await page.waitForSelector('#stt-model option[value="whisper"]', WAIT);
        const file = await page.$('#stt-file');
        await file.uploadFile(path.join(HEARTH_MODELS, 'audio', 'jfk.wav'));
        await page.waitForFunction(() => document.getElementById('stt-status').textContent === '' &&
            document.getElementById('stt-result').textContent !== '', { timeout: 120_000 });
        // Recorded in the browser (the fake microphone), sent when the recording stops.
        await page.$eval('#stt-result', (n) => { n.textContent = ''; });
        await page.click('#stt-record');
        await page.waitForFunction(() => document.getElementById('stt-status').textContent === 'recording', WAIT);
        await new Promise((r) => setTimeout(r, 1500));
        await page.click('#stt-record');
        await page.waitForFunction(() => document.getElementById('stt-status').textContent === '' &&
            document.getElementById('stt-result').textContent !== '', { timeout: 120_000 });
        await page.waitForSelector('#tts-voice option', WAIT);
        await page.type('#tts-input', 'Hello from the web page.');
        await page.click('#tts-run');
        await page.waitForSelector('#tts-audio:not([hidden])', WAIT);
        assert.match(await page.$eval('#tts-audio', (n) => n.src), /^blob:/);
        // The player decoded it: a clip of some length.
        await page.waitForFunction(() => document.getElementById('tts-audio').duration > 0.3, WAIT);
        await shot(page, 'audio');
        assert.deepEqual(problems, []);
        await page.close();
    });

    test('metrics: totals, charts and per-model latencies from /metrics', async () => {
        const { page, problems } = await openPage(browser, `${base}/#metrics`);
        await page.waitForFunction(() => document.querySelectorAll('#metrics-charts svg polyline').length === 4, WAIT);
        // A request made while the page watches shows in the last-30-s latency charts.
        const res = await request(base, '/v1/chat/completions', { method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'qwen', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 }) });
        assert.equal(res.status, 200, res.text);
        await page.waitForFunction(() => /TTFT p99, last 30 s: [1-9]/.test(
            document.getElementById('metrics-charts').textContent), WAIT);
        await page.waitForSelector('#metrics-models tr[data-model="qwen"]', WAIT);
        const ttft = await text(page, '#metrics-models tr[data-model="qwen"] td:nth-child(4)');
        assert.match(ttft, /^\d+ \/ \d+$/, `TTFT cell ${ttft}`);
        await shot(page, 'metrics');
        assert.deepEqual(problems, []);
        await page.close();
    });

    test('the page is served under a strict Content-Security-Policy; its files exist, others do not', async () => {
        const page = await request(base, '/');
        assert.equal(page.status, 200);
        assert.match(page.headers.get('content-type'), /^text\/html/);
        const csp = page.headers.get('content-security-policy');
        assert.match(csp, /default-src 'none'/);
        assert.match(csp, /script-src 'self'(;|$)/);
        assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
        assert.doesNotMatch(page.text, /<script>|https?:\/\/(?!www\.w3\.org)/, 'inline script or an external URL');
        const js = await request(base, '/ui/app.js');
        assert.equal(js.status, 200);
        assert.match(js.headers.get('content-type'), /^text\/javascript/);
        assert.equal((await request(base, '/ui/nothing.js')).status, 404);
    });
});

describe('the web page with API keys', () => {
    let base;
    let browser;

    before(async () => {
        const dir = await makeTempDir('webui-key');
        await mkmodel('tiny-qwen2', path.join(dir, 'qwen.gguf'));
        base = (await startServer({ modelsDir: dir, args: ['--threads', '1', '--api-key', 'sk-web'] })).baseURL;
        browser = await launch();
    });

    after(async () => {
        await browser?.close();
        await stopAllServers();
        await removeTempDirs();
    });

    test('asks for a key, says when it is refused, keeps it in session storage only', async () => {
        const { page, problems } = await openPage(browser, `${base}/`);
        await page.waitForSelector('#key-dialog:not([hidden])', WAIT);
        await page.type('#key-input', 'sk-wrong');
        await page.click('#key-save');
        await page.waitForFunction(() => document.getElementById('key-error').textContent.includes('refused'), WAIT);
        await page.$eval('#key-input', (n) => { n.value = ''; });
        await page.type('#key-input', 'sk-web');
        await page.click('#key-save');
        await page.waitForSelector('#models-table tr[data-model="qwen"]', WAIT);
        assert.equal(await page.evaluate(() => sessionStorage.getItem('hearth-api-key')), 'sk-web');
        assert.equal(await page.evaluate(() => localStorage.length), 0);
        assert.equal(await page.evaluate(() => document.cookie), '');
        await page.$eval('tr[data-model="qwen"] button', (b) => b.click());
        await page.waitForFunction(() => document.querySelector('tr[data-model="qwen"] .state-ready'), WAIT);
        await shot(page, 'api-key');
        // 401s before the key was given are the browser's console errors for failed loads: expected here.
        assert.deepEqual(problems.filter((p) => !/401/.test(p)), []);
        assert.ok(problems.some((p) => /HTTP 401/.test(p)), 'the page never met a 401');
        // A new private context knows no key: it asks again.
        const context = await browser.createBrowserContext();
        const other = await context.newPage();
        await other.goto(`${base}/`);
        await other.waitForSelector('#key-dialog:not([hidden])', WAIT);
        await context.close();
        await page.close();
    });

    test('--no-webui: no page, the API unchanged', async () => {
        const dir = await makeTempDir('webui-off');
        const off = (await startServer({ modelsDir: dir, args: ['--no-webui'] })).baseURL;
        assert.equal((await request(off, '/')).status, 404);
        assert.equal((await request(off, '/ui/app.js')).status, 404);
        assert.equal((await request(off, '/v1/models')).status, 200);
    });
});

describe('the web page pulls a model', () => {
    let hub;
    let base;
    let browser;

    before(async () => {
        const work = await makeTempDir('webui-pull-src');
        const file = await mkmodel('tiny-qwen3', path.join(work, 'q8.gguf'), { type: 'q8_0' });
        hub = await startFakeHub({ repos: { 'org/tiny': { commit: 'c0ffee0000000000000000000000000000000003',
            files: { 'Tiny-Qwen3-Q8_0.gguf': fs.readFileSync(file) } } } });
        const dir = await makeTempDir('webui-pull');
        const home = await makeTempDir('webui-pull-home');
        base = (await startServer({ modelsDir: dir, env: { HF_ENDPOINT: hub.url, HEARTH_HOME: home, HF_TOKEN: '' },
            args: ['--threads', '1'] })).baseURL;
        browser = await launch();
    });

    after(async () => {
        await browser?.close();
        await stopAllServers();
        await hub?.stop();
        await removeTempDirs();
    });

    test('with progress to success, then listed; a missing repository says why', async () => {
        const { page, problems } = await openPage(browser, `${base}/`);
        await page.waitForSelector('#models-table tbody', WAIT);
        await page.type('#pull-ref', 'org/tiny');
        await page.click('#pull-button');
        await page.waitForFunction(() => document.getElementById('pull-status').textContent === 'success', WAIT);
        assert.equal(await page.$eval('#pull-progress', (p) => p.value), 1);
        await page.waitForFunction(() => [...document.querySelectorAll('#models-table tbody tr')]
            .some((r) => r.dataset.model.startsWith('org/tiny')), WAIT);
        await shot(page, 'pull');
        await page.$eval('#pull-ref', (n) => { n.value = ''; });
        await page.type('#pull-ref', 'org/missing');
        await page.click('#pull-button');
        await page.waitForFunction(() => /org\/missing|not found|404/i.test(
            document.getElementById('pull-status').textContent), WAIT);
        assert.deepEqual(problems.filter((p) => !/HTTP 404/.test(p)), []);
        await page.close();
    });
});
