// Prompt lookup (draft-free speculative decoding, "speculative": {"type": "prompt_lookup"}) on real engines:
// greedy output is the output without it, alone and 8 at once, with stop strings, logprobs and a json_schema
// grammar; the timings count drafted and accepted tokens; bad fields are 400s. A tied random model repeats
// itself, so its drafts are accepted; an untied one does not, so its drafts are rejected and dropped.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { assertErrorResponse, request } from './lib/http.mjs';
import { makeTempDir, mkmodel, removeTempDirs, startServer, stopAllServers } from './lib/server.mjs';

const PROMPT = 'The cat sat on the mat and the cat sat on the';
const LOOKUP = { type: 'prompt_lookup', n_max: 8 };

describe('speculative decoding: prompt lookup', () => {
    let server;

    before(async () => {
        const dir = await makeTempDir('speculative');
        await mkmodel('tiny-qwen3', path.join(dir, 'tied.gguf'), { type: 'q8_0', seed: 13 });
        await mkmodel('tiny-qwen3', path.join(dir, 'untied.gguf'), { type: 'q8_0', seed: 13, untied: true });
        server = await startServer({ modelsDir: dir, args: ['--threads', '2', '--np', '4'] });
    });

    after(async () => {
        await stopAllServers();
        await removeTempDirs();
    });

    async function complete(body) {
        const res = await request(server.baseURL, '/v1/completions', { method: 'POST',
            headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), timeoutMs: 60_000 });
        assert.equal(res.status, 200, res.text.slice(0, 300));
        return res.json;
    }

    test('greedy output is the same with and without drafts; the timings count them', async () => {
        for (const model of ['tied', 'untied']) {
            const body = { model, prompt: PROMPT, max_tokens: 48, temperature: 0 };
            const plain = await complete(body);
            const drafted = await complete({ ...body, speculative: LOOKUP });
            assert.equal(drafted.choices[0].text, plain.choices[0].text, model);
            assert.equal(drafted.choices[0].finish_reason, plain.choices[0].finish_reason, model);
            assert.equal(drafted.usage.completion_tokens, plain.usage.completion_tokens, model);
            assert.equal(plain.timings.draft_n, 0);
            assert.ok(drafted.timings.draft_n > 0, `${model}: ${JSON.stringify(drafted.timings)}`);
            if (model === 'tied') {  // it repeats itself: what it said before is what it says next
                assert.ok(drafted.timings.draft_n_accepted > 8, JSON.stringify(drafted.timings));
            } else {
                assert.ok(drafted.timings.draft_n_accepted < drafted.timings.draft_n, JSON.stringify(drafted.timings));
            }
            const none = await complete({ ...body, speculative: { type: 'none' } });
            assert.equal(none.timings.draft_n, 0);
        }
    });

    test('8 concurrent drafting requests equal each alone, beside requests without drafts', async () => {
        const bodies = Array.from({ length: 8 }, (_, i) => ({ model: i % 2 ? 'untied' : 'tied',
            prompt: `${PROMPT} ${'again '.repeat(i)}`, max_tokens: 32, temperature: 0, speculative: LOOKUP }));
        const alone = [];
        for (const body of bodies) {
            alone.push((await complete({ ...body, speculative: undefined })).choices[0].text);
        }
        const together = await Promise.all(bodies.map((body) => complete(body)));
        together.forEach((r, i) => assert.equal(r.choices[0].text, alone[i], `request ${i}`));
    });

    test('stop strings, logprobs and a json_schema grammar compose with drafts', async () => {
        const base = { model: 'tied', prompt: PROMPT, max_tokens: 40, temperature: 0 };
        const text = (await complete(base)).choices[0].text;
        const stop = text.slice(12, 17);
        const stopped = await complete({ ...base, stop: [stop] });
        const stoppedDrafted = await complete({ ...base, stop: [stop], speculative: LOOKUP });
        assert.equal(stoppedDrafted.choices[0].text, stopped.choices[0].text);
        assert.equal(stoppedDrafted.choices[0].finish_reason, 'stop');
        const probs = await complete({ ...base, logprobs: 2 });
        const probsDrafted = await complete({ ...base, logprobs: 2, speculative: LOOKUP });
        assert.deepEqual(probsDrafted.choices[0].logprobs.tokens, probs.choices[0].logprobs.tokens);
        probs.choices[0].logprobs.token_logprobs.forEach((p, i) =>
            assert.ok(Math.abs(p - probsDrafted.choices[0].logprobs.token_logprobs[i]) < 1e-3, `token ${i}`));
        const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] };
        const chat = { model: 'tied', messages: [{ role: 'user', content: 'Say {"a": "x"} {"a": "x"}' }],
            max_tokens: 40, temperature: 0, response_format: { type: 'json_schema', json_schema: { name: 's', schema } } };
        const post = (body) => request(server.baseURL, '/v1/chat/completions', { method: 'POST',
            headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), timeoutMs: 60_000 });
        const plainChat = await post(chat);
        const draftedChat = await post({ ...chat, speculative: LOOKUP });
        assert.equal(plainChat.status, 200, plainChat.text);
        assert.equal(draftedChat.json.choices[0].message.content, plainChat.json.choices[0].message.content);
    });

    test('/metrics counts drafted and accepted tokens per model; the model shows its acceptance rate', async () => {
        const value = (text, series) => {
            const line = text.split('\n').find((l) => l.startsWith(`${series} `));
            return line === undefined ? undefined : Number(line.slice(series.length + 1));
        };
        const before = (await request(server.baseURL, '/metrics')).text;
        const r = await complete({ model: 'tied', prompt: PROMPT, max_tokens: 32, temperature: 0, speculative: LOOKUP });
        const afterText = (await request(server.baseURL, '/metrics')).text;
        const drafted = value(afterText, 'hearth_draft_tokens_total{model="tied"}');
        const accepted = value(afterText, 'hearth_draft_accepted_tokens_total{model="tied"}');
        assert.equal(drafted - (value(before, 'hearth_draft_tokens_total{model="tied"}') ?? 0), r.timings.draft_n);
        assert.equal(accepted - (value(before, 'hearth_draft_accepted_tokens_total{model="tied"}') ?? 0),
            r.timings.draft_n_accepted);
        const model = await request(server.baseURL, '/v1/models/tied');
        const spec = model.json.speculative;
        assert.equal(spec.draft_tokens, drafted, JSON.stringify(spec));
        assert.equal(spec.accepted_tokens, accepted);
        assert.ok(Math.abs(spec.acceptance_rate - accepted / drafted) < 1e-9, JSON.stringify(spec));
    });

    test('hearth serve --lookup N: requests that do not say draft; "type": "none" turns it off', async () => {
        const dir = await makeTempDir('speculative-default');
        await mkmodel('tiny-qwen3', path.join(dir, 'tied.gguf'), { type: 'q8_0', seed: 13 });
        const withDefault = await startServer({ modelsDir: dir, args: ['--threads', '2', '--lookup', '8'] });
        const post = async (body) => (await request(withDefault.baseURL, '/v1/completions', { method: 'POST',
            headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), timeoutMs: 60_000 })).json;
        const body = { model: 'tied', prompt: PROMPT, max_tokens: 32, temperature: 0 };
        const drafted = await post(body);
        const off = await post({ ...body, speculative: { type: 'none' } });
        assert.ok(drafted.timings.draft_n > 0, JSON.stringify(drafted.timings));
        assert.equal(off.timings.draft_n, 0);
        assert.equal(drafted.choices[0].text, off.choices[0].text);
        await withDefault.stop();
    });

    test('bad speculative fields are 400s naming them', async () => {
        const cases = [[{ type: 'eagle' }, 'speculative.type'], [{ n_max: 0 }, 'speculative.n_max'],
            [{ n_max: 65 }, 'speculative.n_max'], ['yes', 'speculative'], [{ n_max: 'x' }, 'speculative.n_max']];
        for (const [speculative, param] of cases) {
            const res = await request(server.baseURL, '/v1/completions', { method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ model: 'tied', prompt: 'x', speculative }) });
            const err = assertErrorResponse(res, 400, { what: JSON.stringify(speculative) });
            assert.equal(err.param, param, JSON.stringify(speculative));
        }
    });
});
