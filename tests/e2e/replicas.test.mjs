// Replicas behind a proxy: two hearth processes behind nginx (Debian's), configured by the repo's sample
// deploy/nginx/hearth-replicas.conf with this test's ports and folders. Under a steady streaming load, each
// replica in turn gets SIGTERM, drains, exits and is started again on its port; every request must succeed (a
// 200 stream that ends with [DONE]) and both replicas must have served.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { request, sleep } from './lib/http.mjs';
import { REPO_ROOT, copyFileIn, makeTempDir, removeTempDirs, sharedModel, startServer, stopAllServers }
    from './lib/server.mjs';
import { freePort } from './lib/workers.mjs';

const CLIENTS = 6;
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => fs.existsSync(p));

// The sample config with this test's ports; nginx's files live in `dir` (its prefix).
async function writeNginxConfig(dir, listen, upstreams) {
    let conf = await fsp.readFile(path.join(REPO_ROOT, 'deploy', 'nginx', 'hearth-replicas.conf'), 'utf8');
    assert.match(conf, /server 127\.0\.0\.1:8081 /);
    conf = conf.replace('server 127.0.0.1:8081 ', `server 127.0.0.1:${upstreams[0]} `)
        .replace('server 127.0.0.1:8082 ', `server 127.0.0.1:${upstreams[1]} `)
        .replace('listen 127.0.0.1:8080;', `listen 127.0.0.1:${listen};`);
    const file = path.join(dir, 'nginx.conf');
    await fsp.writeFile(file, conf);
    return file;
}

// One streamed completion through the proxy: 'ok', or what went wrong.
async function streamOnce(base, i) {
    try {
        const res = await fetch(`${base}/v1/completions`, { method: 'POST',
            headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(60_000),
            body: JSON.stringify({ model: 'stories', stream: true, max_tokens: 32, ignore_eos: true,
                prompt: `Story ${i}:` }) });
        const text = await res.text();
        if (res.status !== 200) {
            return `status ${res.status}: ${text.slice(0, 200)}`;
        }
        return /data: \[DONE\]\s*$/.test(text) && !text.includes('"error"') ? 'ok' : `stream: ${text.slice(-300)}`;
    } catch (err) {
        return `transport: ${err.message}`;
    }
}

async function waitHealthy(base) {
    for (let i = 0; i < 200; i++) {
        try {
            const res = await request(base, '/health', { timeoutMs: 2_000 });
            if (res.status === 200) {
                return;
            }
        } catch {
            // not listening yet
        }
        await sleep(50);
    }
    assert.fail(`${base}/health never answered 200`);
}

async function servedCount(base) {
    const text = (await request(base, '/metrics')).text;
    const m = /hearth_requests_total\{[^}]*endpoint="\/v1\/completions"[^}]*status="200"[^}]*\} (\d+)/.exec(text);
    return m ? Number(m[1]) : 0;
}

describe('replicas behind nginx', { skip: NGINX ? false : 'nginx is not installed (scripts/deps.sh installs it)' }, () => {
    let dir;
    let nginx;
    const ports = [];
    const replicas = [];
    let proxy;
    let nginxDir;

    async function startReplica(index) {
        replicas[index] = await startServer({ modelsDir: dir, port: ports[index], args: ['--load', 'stories',
            '--threads', '1', '--parallel', '2', '--shutdown-timeout', '30'] });
        await waitHealthy(replicas[index].baseURL);
    }

    before(async () => {
        dir = await makeTempDir('replicas');
        await copyFileIn(dir, 'stories.gguf', sharedModel('stories260K/stories260K-f32.gguf'));
        ports.push(await freePort(), await freePort());
        const listen = await freePort();
        const prefix = await makeTempDir('nginx');
        nginxDir = prefix;
        const conf = await writeNginxConfig(prefix, listen, ports);
        const check = spawnSync(NGINX, ['-t', '-p', prefix, '-c', conf, '-e', path.join(prefix, 'error.log')],
            { encoding: 'utf8' });
        assert.equal(check.status, 0, `nginx -t: ${check.stderr}`);
        await startReplica(0);
        await startReplica(1);
        nginx = spawn(NGINX, ['-p', prefix, '-c', conf, '-e', path.join(prefix, 'error.log'), '-g', 'daemon off;'],
            { stdio: 'ignore' });
        proxy = `http://127.0.0.1:${listen}`;
        await waitHealthy(proxy);
    });

    after(async () => {
        nginx?.kill('SIGTERM');
        await stopAllServers();
        await removeTempDirs();
    });

    test('a rolling restart under streaming load fails no request', async (t) => {
        let running = true;
        const outcomes = [];
        const clients = Array.from({ length: CLIENTS }, async (_, c) => {
            for (let i = 0; running; i++) {
                outcomes.push(await streamOnce(proxy, c * 100_000 + i));
            }
        });
        await sleep(1_500);
        const served = [];
        for (const index of [0, 1]) {
            served.push(await servedCount(replicas[index].baseURL));
            const before = outcomes.length;
            await replicas[index].stop('SIGTERM');  // asserts a clean exit 0 after the drain
            await startReplica(index);
            assert.ok(outcomes.length > before, `no request completed while replica ${index} restarted`);
            // A rolling restart moves on once the new replica takes traffic again (nginx retries a replica it
            // marked failed after fail_timeout).
            const deadline = Date.now() + 15_000;
            while (await servedCount(replicas[index].baseURL) === 0) {
                assert.ok(Date.now() < deadline, `the restarted replica ${index} got no traffic`);
                await sleep(100);
            }
        }
        running = false;
        await Promise.all(clients);
        const failures = outcomes.filter((o) => o !== 'ok');
        const log = () => fs.readFileSync(path.join(nginxDir, 'error.log'), 'utf8').split('\n').slice(-12).join('\n');
        assert.deepEqual(failures.slice(0, 3), [], `${failures.length} of ${outcomes.length} requests failed; nginx:\n${
            failures.length > 0 ? log() : ''}`);
        assert.ok(outcomes.length >= 20, `only ${outcomes.length} requests completed`);
        t.diagnostic(`${outcomes.length} streamed completions through nginx, ${failures.length} failed; ` +
                     `served before the restarts: ${served.join(' and ')}`);
        assert.ok(served.every((n) => n > 0), `requests served by each replica before its restart: ${served}`);
    });
});
