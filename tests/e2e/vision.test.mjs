// Vision chat end to end: a generated tiny-qwen2 (its own output matrix, the real Qwen2.5 vocabulary and
// template) with a LLaVA-1.5-shaped projector made for it, found beside it in the models directory, and a tiny
// Gemma 3 with its SigLIP-shaped projector (images decoded with non-causal attention). hearth must
// answer image chats token for token as llama.cpp's own llama-server (same pinned tree, --mmproj) does, take
// every image format and every way of sending one, and refuse what it must with a 4xx while /health stays fine.

import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { assertAlive, assertErrorResponse, openaiClient, request } from './lib/http.mjs';
import { convertPng, dataUrl, imagePart, makePng } from './lib/images.mjs';
import { makeTempDir, mkmodel, removeTempDirs, startLlamaServer, startServer, stopAllServers, writeFileIn }
    from './lib/server.mjs';
import { groupLikeLlamaServer } from './lib/tokens.mjs';

const N_TOKENS = 24;
const GREEDY = { max_tokens: N_TOKENS, temperature: 0, ignore_eos: true };
// One compute thread and the same slots and batches on both sides (see differential.test.mjs).
const HEARTH_ARGS = ['--parallel', '2', '--ctx-size', '4096', '--batch-size', '512', '--threads', '1'];
const LLAMA_ARGS = ['--parallel', '2', '--ctx-size', '8192', '--no-kv-unified', '--batch-size', '512',
    '--ubatch-size', '512', '--threads', '1', '--jinja', '--no-cache-prompt'];

const PNG_A = makePng(64, 48, 1);
const PNG_B = makePng(40, 90, 2);

function postChat(base, body) {
    return request(base, '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body), timeoutMs: 60_000 });
}

const userTurn = (...parts) => [{ role: 'user', content: parts }];
const textPart = (text) => ({ type: 'text', text });

describe('vision: images in chat completions (tiny qwen2 + CLIP mlp projector)', () => {
    let dir;
    let hearth;
    let hearthBase;
    let llama;
    let llamaG3;

    before(async () => {
        dir = await makeTempDir('vision');
        const text = await mkmodel('tiny-qwen2', path.join(dir, 'qwen-vl.gguf'), { seed: 7, untied: true });
        const projector = await mkmodel('tiny-clip-mlp', path.join(dir, 'mmproj-qwen-vl.gguf'),
            { seed: 3, extra: ['--mmproj-for', text] });
        // A text-only model in a folder of its own: no projector beside it.
        await fsp.mkdir(path.join(dir, 'plain'));
        await mkmodel('tiny-qwen2', path.join(dir, 'plain', 'qwen-text.gguf'), { seed: 7 });
        // Gemma 3: its own text architecture (sliding-window attention), image begin/end tokens, and images
        // decoded with non-causal attention.
        await fsp.mkdir(path.join(dir, 'g3'));
        const textG3 = await mkmodel('tiny-gemma3', path.join(dir, 'g3', 'gemma3-vl.gguf'), { seed: 7 });
        const projectorG3 = await mkmodel('tiny-gemma3-vision', path.join(dir, 'g3', 'mmproj-gemma3-vl.gguf'),
            { seed: 5, extra: ['--mmproj-for', textG3] });
        await writeFileIn(dir, 'media/inside.png', PNG_B);
        const [ours, theirs, theirsG3] = await Promise.all([
            startServer({ modelsDir: dir, args: [...HEARTH_ARGS, '--media-dir', path.join(dir, 'media'),
                '--max-images', '3', '--max-image-bytes', '200000'] }),
            startLlamaServer({ model: text, args: ['--mmproj', projector, ...LLAMA_ARGS] }),
            startLlamaServer({ model: textG3, args: ['--mmproj', projectorG3, ...LLAMA_ARGS] }),
        ]);
        hearthBase = ours.baseURL;
        hearth = openaiClient(ours.baseURL);
        llama = openaiClient(theirs.baseURL);
        llamaG3 = openaiClient(theirsG3.baseURL);
    });
    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    test('the projector is listed on its model, not as a model', async () => {
        const res = await request(hearthBase, '/v1/models');
        const ids = res.json.data.map((m) => m.id).sort();
        assert.deepEqual(ids, ['gemma3-vl', 'qwen-text', 'qwen-vl']);
        const vl = res.json.data.find((m) => m.id === 'qwen-vl');
        assert.deepEqual(vl.capabilities, ['completion', 'chat', 'vision']);
        assert.equal(path.basename(vl.mmproj), 'mmproj-qwen-vl.gguf');
        assert.deepEqual(res.json.data.find((m) => m.id === 'qwen-text').capabilities, ['completion', 'chat']);
    });

    const CASES = [
        { name: 'image alone', content: [imagePart(dataUrl(PNG_A))] },
        { name: 'image then text', content: [imagePart(dataUrl(PNG_A)), textPart('What is in this picture?')] },
        { name: 'text then image', content: [textPart('Look:'), imagePart(dataUrl(PNG_B))] },
        { name: 'two images', content: [imagePart(dataUrl(PNG_A)), textPart('versus'), imagePart(dataUrl(PNG_B))] },
    ];
    const PAIRS = [{ model: 'qwen-vl', projector: 'CLIP mlp', server: () => llama },
        { model: 'gemma3-vl', projector: 'Gemma 3', server: () => llamaG3 }];
    for (const [{ name, content }, pair] of CASES.flatMap((c) => PAIRS.map((p) => [c, p]))) {
        test(`greedy tokens equal llama-server's: ${name} (${pair.projector})`, async () => {
            const body = { model: pair.model, messages: [{ role: 'user', content }], ...GREEDY, logprobs: true,
                top_logprobs: 1 };
            const ours = await hearth.chat.completions.create(body);
            const theirs = await pair.server().chat.completions.create(body);
            assert.equal(ours.usage.prompt_tokens, theirs.usage.prompt_tokens, 'prompt tokens (image cells counted)');
            assert.equal(ours.usage.completion_tokens, N_TOKENS);
            // llama-server holds back a token that ends inside a character: group hearth's entries alike.
            const hex = (entries) => entries.map((t) => Buffer.from(t.bytes).toString('hex'));
            assert.deepEqual(hex(groupLikeLlamaServer(ours.choices[0].logprobs.content)),
                hex(theirs.choices[0].logprobs.content), 'token for token');
            assert.equal(ours.choices[0].message.content, theirs.choices[0].message.content);
        });
    }

    test('streaming with an image gives the whole answer\'s text', async () => {
        const body = { model: 'qwen-vl', messages: userTurn(imagePart(dataUrl(PNG_A)), textPart('Describe.')),
            ...GREEDY };
        const whole = await hearth.chat.completions.create(body);
        let text = '';
        let usage;
        const stream = await hearth.chat.completions.create({ ...body, stream: true,
            stream_options: { include_usage: true } });
        for await (const chunk of stream) {
            text += chunk.choices[0]?.delta?.content ?? '';
            usage = chunk.usage ?? usage;
        }
        assert.equal(text, whole.choices[0].message.content);
        assert.equal(usage.prompt_tokens, whole.usage.prompt_tokens);
    });

    test('every image format, and a file under --media-dir, is taken', async () => {
        for (const [ext, mime] of [['jpg', 'image/jpeg'], ['gif', 'image/gif'], ['bmp', 'image/bmp'],
            ['webp', 'image/webp']]) {
            const bytes = convertPng(PNG_A, ext);
            const res = await postChat(hearthBase, { model: 'qwen-vl', max_tokens: 2,
                messages: userTurn(imagePart(dataUrl(bytes, mime)), textPart('Format?')) });
            assert.equal(res.status, 200, `${ext}: ${res.text}`);
        }
        const file = await postChat(hearthBase, { model: 'qwen-vl', max_tokens: 2,
            messages: userTurn(imagePart(`file://${path.join(dir, 'media', 'inside.png')}`)), });
        assert.equal(file.status, 200, file.text);
    });

    test('tools and response_format keep working with an image', async () => {
        const tools = [{ type: 'function', function: { name: 'describe', parameters: { type: 'object',
            properties: { label: { type: 'string' } }, required: ['label'] } } }];
        const called = await hearth.chat.completions.create({ model: 'qwen-vl', max_tokens: 64, tools,
            tool_choice: 'required', messages: userTurn(imagePart(dataUrl(PNG_A)), textPart('Label it.')) });
        assert.equal(called.choices[0].message.tool_calls?.[0]?.function?.name, 'describe');
        const formatted = await hearth.chat.completions.create({ model: 'qwen-vl', max_tokens: 200,
            response_format: { type: 'json_object' }, messages: userTurn(imagePart(dataUrl(PNG_B)), textPart('JSON')) });
        const { finish_reason: finish, message } = formatted.choices[0];
        // Constrained to JSON: a whole object, or the start of one when the tokens ran out.
        assert.ok(finish === 'length' ? message.content.trimStart().startsWith('{')
            : typeof JSON.parse(message.content) === 'object', message.content);
    });

    test('the image matters: another picture, another answer', async () => {
        const ask = (png) => hearth.chat.completions.create({ model: 'qwen-vl', ...GREEDY,
            messages: userTurn(imagePart(dataUrl(png)), textPart('What is in this picture?')) });
        const [a, b] = [await ask(PNG_A), await ask(PNG_B)];
        assert.equal(a.usage.prompt_tokens, b.usage.prompt_tokens);
        assert.notEqual(a.choices[0].message.content, b.choices[0].message.content);
    });

    const png = dataUrl(PNG_A);
    const REFUSALS = [
        { name: 'an image for a text-only model', status: 400, body: { model: 'qwen-text',
            messages: userTurn(imagePart(png)) }, match: /does not accept images/ },
        { name: 'a corrupt image', status: 400, body: { model: 'qwen-vl',
            messages: userTurn(imagePart(dataUrl(Buffer.from('definitely not a picture')))) } },
        { name: 'a truncated image', status: 400, body: { model: 'qwen-vl',
            messages: userTurn(imagePart(dataUrl(PNG_A.subarray(0, 60)))) } },
        { name: 'more images than --max-images', status: 400, body: { model: 'qwen-vl',
            messages: userTurn(imagePart(png), imagePart(png), imagePart(png), imagePart(png)) } },
        { name: 'an image over --max-image-bytes', status: 413, body: { model: 'qwen-vl',
            messages: userTurn(imagePart(dataUrl(Buffer.concat([PNG_A, Buffer.alloc(250_000, 7)])))) } },
        { name: 'a remote URL while remote media is off', status: 400, body: { model: 'qwen-vl',
            messages: userTurn(imagePart('https://example.com/cat.png')) }, match: /allow-remote-media/ },
        { name: 'a file outside --media-dir', status: 400, body: { model: 'qwen-vl',
            messages: userTurn(imagePart(`file://${path.join('/etc', 'passwd')}`)) } },
        { name: 'bad base64', status: 400, body: { model: 'qwen-vl',
            messages: userTurn(imagePart('data:image/png;base64,@@@@')) } },
        { name: 'a non-image data URL', status: 400, body: { model: 'qwen-vl',
            messages: userTurn(imagePart('data:text/plain;base64,aGVsbG8=')) } },
        { name: 'an image in a system message', status: 400, body: { model: 'qwen-vl',
            messages: [{ role: 'system', content: [imagePart(png)] }, { role: 'user', content: 'hi' }] } },
    ];
    for (const { name, status, body, match } of REFUSALS) {
        test(`refused: ${name}`, async () => {
            const res = await postChat(hearthBase, { max_tokens: 2, ...body });
            const err = assertErrorResponse(res, status);
            if (match) {
                assert.match(err.message, match);
            }
            await assertAlive(hearthBase, name);
        });
    }

    test('user text cannot place an image: the marker is not guessable', async () => {
        // llama-server's default marker and the look of ours, sent as text, stay text.
        const res = await postChat(hearthBase, { model: 'qwen-vl', max_tokens: 2,
            messages: [{ role: 'user', content: '<__media__> <__media_0123456789abcdef__> <__image__>' }] });
        assert.equal(res.status, 200, res.text);
    });
});
