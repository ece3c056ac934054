// `hearth chat`, the terminal chat, driven as a person would drive it: in a tmux pane (a real terminal, so
// Ctrl-C is the terminal's SIGINT), against a server holding a generated Qwen2 model with its real chat
// template. Also the one-shot and piped forms, and the ways it must fail: no server, no such model.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { request, sleep } from './lib/http.mjs';
import {
    HEARTH_BIN, makeTempDir, mkmodel, removeTempDirs, runHearth, startServer, stopAllServers,
} from './lib/server.mjs';

const SOCKET = `hearth-e2e-chat-${process.pid}`;
const PANE = 'chat';

function tmux(...args) {
    return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
}

// The pane's whole text, wrapped lines joined, blank lines dropped.
function screen() {
    return tmux('capture-pane', '-p', '-J', '-t', PANE, '-S', '-2000').split('\n').filter((l) => l.trim() !== '')
        .join('\n');
}

// Polls the pane until `predicate(text)` holds; fails with the pane's text after `ms`.
async function waitScreen(predicate, what, ms = 30_000) {
    const deadline = Date.now() + ms;
    for (;;) {
        const text = screen();
        if (predicate(text)) {
            return text;
        }
        if (Date.now() > deadline) {
            assert.fail(`timed out waiting for ${what}; the pane shows:\n${text}`);
        }
        await sleep(100);
    }
}

const count = (text, needle) => text.split(needle).length - 1;

// The prompt token counts --verbose prints after each reply, in order.
const promptCounts = (text) => [...text.matchAll(/\((\d+) prompt \+ (\d+) generated tokens/g)].map((m) => Number(m[1]));

async function model(url) {
    const res = await request(url, '/v1/models/qwen');
    assert.equal(res.status, 200);
    return res.json;
}

const slots = async (url) => (await model(url)).slots;

describe('hearth chat', () => {
    let url;

    before(async () => {
        const dir = await makeTempDir('chat');
        await mkmodel('tiny-qwen2', path.join(dir, 'qwen.gguf'));
        const server = await startServer({ modelsDir: dir, args: ['--threads', '1', '--ctx-size', '2048'] });
        url = server.baseURL;
    });

    after(async () => {
        try {
            tmux('kill-server');
        } catch {
            // no session left
        }
        await stopAllServers();
        await removeTempDirs();
    });

    test('in a terminal: loads the model, streams replies, Ctrl-C stops one, /set, /clear and /bye', async () => {
        assert.equal((await model(url)).state, 'unloaded', 'the model should start unloaded');
        tmux('new-session', '-d', '-s', PANE, '-x', '160', '-y', '50');
        tmux('set-option', '-t', PANE, 'remain-on-exit', 'on');
        tmux('respawn-pane', '-k', '-t', PANE,
            `${HEARTH_BIN} chat qwen --url ${url} --seed 7 --verbose; echo "chat exited with $?"`);
        await waitScreen((t) => t.includes('>>> '), 'the first prompt');
        assert.equal((await model(url)).state, 'ready', 'hearth chat did not load the model');

        // Two short turns: each reply ends at the token limit; the second prompt carries the first turn.
        tmux('send-keys', '-t', PANE, '/set max_tokens 8', 'Enter');
        await waitScreen((t) => t.includes('Set max_tokens to 8.'), '/set max_tokens');
        tmux('send-keys', '-t', PANE, 'Hello there', 'Enter');
        await waitScreen((t) => promptCounts(t).length === 1, 'the first reply');
        tmux('send-keys', '-t', PANE, 'Hello there', 'Enter');
        let text = await waitScreen((t) => promptCounts(t).length === 2, 'the second reply');
        const [first, second] = promptCounts(text);
        assert.ok(second > first + 8, `the second turn's prompt (${second} tokens) lacks the first turn (${first})`);
        assert.equal(count(text, '(the reply reached the token limit)'), 2, text);

        // A long reply, stopped midway with Ctrl-C: text is on screen while the server still generates.
        tmux('send-keys', '-t', PANE, '/unset max_tokens', 'Enter');
        await waitScreen((t) => t.includes('Unset max_tokens.'), '/unset');
        const before = screen().length;
        tmux('send-keys', '-t', PANE, 'Tell me a long story', 'Enter');
        await waitScreen((t) => t.length > before + 300, 'the long reply streaming');
        assert.equal((await slots(url)).busy, 1, 'the reply is shown but the server is not generating it');
        const cancelledBefore = (await slots(url)).cancelled;
        tmux('send-keys', '-t', PANE, 'C-c');
        text = await waitScreen((t) => t.includes('(stopped)') && t.trimEnd().endsWith('>>>'), 'the stop');
        for (let i = 0; i < 50 && (await slots(url)).busy !== 0; i++) {
            await sleep(100);
        }
        const after = await slots(url);
        assert.equal(after.busy, 0, 'the generation went on after Ctrl-C');
        assert.equal(after.cancelled, cancelledBefore + 1, 'the server did not see the stream cancelled');

        // Ctrl-C at the prompt clears the line and keeps the program.
        tmux('send-keys', '-t', PANE, 'half typed', 'C-c');
        await waitScreen((t) => t.includes('(Ctrl-D or /bye to exit)'), 'Ctrl-C at the prompt');

        // A bad setting is refused; /clear forgets the turns: the same prompt is as short as the first one.
        tmux('send-keys', '-t', PANE, '/set temperature 9', 'Enter');
        await waitScreen((t) => t.includes('temperature must be a number from 0 to 2'), 'the refused setting');
        tmux('send-keys', '-t', PANE, '/clear', 'Enter');
        await waitScreen((t) => t.includes('Cleared the conversation.'), '/clear');
        tmux('send-keys', '-t', PANE, '/set max_tokens 4', 'Enter');
        tmux('send-keys', '-t', PANE, 'Hello there', 'Enter');
        text = await waitScreen((t) => promptCounts(t).length === 3, 'the reply after /clear');
        assert.equal(promptCounts(text)[2], first, 'after /clear the prompt still carries earlier turns');

        tmux('send-keys', '-t', PANE, '/bye', 'Enter');
        await waitScreen((t) => t.includes('chat exited with 0'), 'the exit after /bye');
    });

    test('one-shot and piped prompts print the reply and exit 0', async () => {
        const once = await runHearth(['chat', 'qwen', 'Hello', '--url', url, '--max-tokens', '6', '--seed', '1'],
            { timeoutMs: 60_000 });
        assert.equal(once.code, 0, once.output);
        assert.ok(once.stdout.trim().length > 0, 'no reply printed');
        assert.match(once.stderr, /token limit/);
        const piped = execFileSync(HEARTH_BIN, ['chat', 'qwen', '--url', url, '--max-tokens', '6', '--seed', '1'],
            { input: 'Hello', encoding: 'utf8', timeout: 60_000, stdio: ['pipe', 'pipe', 'pipe'] });
        assert.equal(piped, once.stdout, 'the same prompt and seed gave another reply through a pipe');
    });

    test('no server, no such model, a bad URL: exit 1 with the reason', async () => {
        const down = await runHearth(['chat', 'qwen', 'hi', '--url', 'http://127.0.0.1:1']);
        assert.equal(down.code, 1, down.output);
        assert.match(down.stderr, /cannot reach the server at http:\/\/127\.0\.0\.1:1/);
        const missing = await runHearth(['chat', 'nosuch', 'hi', '--url', url]);
        assert.equal(missing.code, 1, missing.output);
        assert.match(missing.stderr, /nosuch/);
        const bad = await runHearth(['chat', 'qwen', 'hi', '--url', 'https://example.com']);
        assert.equal(bad.code, 1, bad.output);
        const range = await runHearth(['chat', 'qwen', 'hi', '--url', url, '--temperature', '5']);
        assert.notEqual(range.code, 0, range.output);
    });
});
