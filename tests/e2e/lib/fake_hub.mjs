// A fake Hugging Face hub for the tests of `hearth pull`: the hub's model API and resolve redirects on
// 127.0.0.1, and a CDN on 127.0.0.2 (another host, as the real hub redirects to a CDN, so that a client that
// forwards the hub's Authorization header to the CDN is caught). Every request both receive is logged.
//
//   const hub = await startFakeHub({ repos: { 'org/name': { commit, files: { 'a-Q8_0.gguf': buf }, gated,
//       tokens } } });
//   hub.url, hub.cdnUrl, hub.log, hub.files (path or sha256 -> { sha256, size }), hub.behave(key, b), hub.stop(),
//   hub.cdnRequests(key): the CDN's log entries for one file
//
// Routes, answered as the real hub answers them:
//   GET /api/models/{org}/{name}[/revision/{rev}][?blobs=true]  the repo's metadata; sizes and lfs only with blobs
//   GET|HEAD /{org}/{name}/resolve/{rev}/{path}                  302 to ${cdnUrl}/lfs/{sha256}?sig=x
//   GET|HEAD ${cdnUrl}/lfs/{sha256}                              the bytes; Range: bytes=N- or bytes=N-M
// A gated repo answers 401 without a token and 403 with a token not in its `tokens`, on the hub only.
//
// Behaviours of the CDN, per file (behave(sha256 or path in repo or 'org/name/path', b); {} clears them):
//   { cutAfter: n }        the first response sends n body bytes and destroys the socket; later ones are whole
//   { corrupt: true }      bytes differing from the advertised sha256, of the same length
//   { bytesPerSecond: n }  throttled: small chunks on a timer
//   { stallAfter: n }      no byte past offset n is ever sent, and the response is never closed
//   { advertiseSize: n }   the API and X-Linked-Size say n (the CDN still sends the real bytes and length)
//
// Log entries: { host: 'hub'|'cdn', method, path, authorization, range, status, bytes, state } where bytes
// counts the body bytes written so far and state is 'sending', 'complete', 'cut', 'stalled' or 'aborted'
// (the client closed the connection before the body's end); the CDN's entries also carry the file's sha256.
//
// Also exported: sha256(buf), fakeGguf(size, seed) (stand-in model bytes) and assertSentOnce(gets, size).

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';

const THROTTLE_TICK_MS = 50;
const CHUNK = 64 * 1024;

export function sha256(buf) {
    return crypto.createHash('sha256').update(buf).digest('hex');
}

// `size` deterministic bytes behind a GGUF magic: a stand-in for a model file that is pulled but never loaded.
export function fakeGguf(size, seed = 1) {
    const buf = Buffer.alloc(size);
    let x = (seed * 2654435761) >>> 0 || 1;
    for (let i = 0; i < size; i += 1) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        buf[i] = x & 0xff;
    }
    buf.write('GGUF', 0, 'latin1');
    return buf;
}

function listen(server, host) {
    return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, host, () => resolve(server.address().port));
    });
}

function sendJson(res, status, body, headers = {}) {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(text), ...headers });
    res.end(text);
}

export async function startFakeHub({ repos }) {
    // Repos by id, each file with its digest; blobs by sha256 (two repos may share a blob, as on the hub).
    const byId = new Map();
    const blobs = new Map();
    for (const [id, repo] of Object.entries(repos)) {
        const files = new Map();
        for (const [rel, data] of Object.entries(repo.files)) {
            const file = { path: rel, data, sha256: sha256(data), size: data.length };
            files.set(rel, file);
            blobs.set(file.sha256, file);
        }
        byId.set(id, { id, commit: repo.commit, gated: Boolean(repo.gated), tokens: repo.tokens ?? [], files });
    }
    const behaviours = new Map();  // sha256 -> behaviour
    const cutDone = new Set();     // sha256 whose one cut response was sent
    const timers = new Set();
    const log = [];
    let cdnUrl = '';

    const behaviourOf = (sha) => behaviours.get(sha) ?? {};
    const advertisedSize = (file) => behaviourOf(file.sha256).advertiseSize ?? file.size;

    // The file a behave() key names: a sha256, a path in some repo, or 'org/name/path'.
    function fileFor(key) {
        if (blobs.has(key)) {
            return blobs.get(key);
        }
        for (const repo of byId.values()) {
            if (repo.files.has(key)) {
                return repo.files.get(key);
            }
            if (key.startsWith(`${repo.id}/`) && repo.files.has(key.slice(repo.id.length + 1))) {
                return repo.files.get(key.slice(repo.id.length + 1));
            }
        }
        throw new Error(`fake hub: no file ${key}`);
    }

    // Gated repos: true when the request was refused (the error is sent), false when it may go on.
    function refused(repo, req, res) {
        if (!repo.gated) {
            return false;
        }
        const m = /^Bearer\s+(\S+)$/.exec(req.headers.authorization ?? '');
        if (!m) {
            sendJson(res, 401, { error: `Access to model ${repo.id} is restricted. You must have access to it and ` +
                'be authenticated to access it. Please log in.' }, { 'X-Error-Code': 'GatedRepo' });
            return true;
        }
        if (!repo.tokens.includes(m[1])) {
            sendJson(res, 403, { error: `Access to model ${repo.id} is restricted and you are not in the ` +
                'authorized list.' }, { 'X-Error-Code': 'GatedRepo' });
            return true;
        }
        return false;
    }

    function repoOr404(org, name, res) {
        const repo = byId.get(`${org}/${name}`);
        if (!repo) {
            sendJson(res, 404, { error: 'Repository not found' }, { 'X-Error-Code': 'RepoNotFound' });
        }
        return repo;
    }

    function revisionOk(repo, rev, res) {
        if (rev === 'main' || rev === repo.commit) {
            return true;
        }
        sendJson(res, 404, { error: `Invalid rev id: ${rev}` }, { 'X-Error-Code': 'RevisionNotFound' });
        return false;
    }

    function hubHandler(req, res) {
        const url = new URL(req.url, 'http://hub');
        const segments = url.pathname.split('/').slice(1).map((s) => decodeURIComponent(s));
        // /api/models/{org}/{name} and /api/models/{org}/{name}/revision/{rev}
        if (segments[0] === 'api' && segments[1] === 'models' && req.method === 'GET' &&
            (segments.length === 4 || (segments.length === 6 && segments[4] === 'revision'))) {
            const repo = repoOr404(segments[2], segments[3], res);
            if (!repo || refused(repo, req, res) || !revisionOk(repo, segments[5] ?? 'main', res)) {
                return;
            }
            // Without ?blobs=true the real hub lists the names only.
            const blobsWanted = url.searchParams.get('blobs') === 'true';
            const siblings = [...repo.files.values()].map((f) => (blobsWanted
                ? { rfilename: f.path, size: advertisedSize(f),
                    lfs: { sha256: f.sha256, size: advertisedSize(f), pointerSize: 135 } }
                : { rfilename: f.path }));
            sendJson(res, 200, { _id: repo.commit.slice(0, 24), id: repo.id, modelId: repo.id, sha: repo.commit,
                private: false, gated: repo.gated ? 'manual' : false, disabled: false, siblings });
            return;
        }
        // /{org}/{name}/resolve/{rev}/{path...}
        if (segments.length >= 5 && segments[2] === 'resolve' && (req.method === 'GET' || req.method === 'HEAD')) {
            const repo = repoOr404(segments[0], segments[1], res);
            if (!repo || refused(repo, req, res) || !revisionOk(repo, segments[3], res)) {
                return;
            }
            const file = repo.files.get(segments.slice(4).join('/'));
            if (!file) {
                sendJson(res, 404, { error: 'Entry not found' }, { 'X-Error-Code': 'EntryNotFound' });
                return;
            }
            res.writeHead(302, { Location: `${cdnUrl}/lfs/${file.sha256}?sig=x`, 'X-Repo-Commit': repo.commit,
                'X-Linked-Etag': `"${file.sha256}"`, 'X-Linked-Size': String(advertisedSize(file)),
                ETag: `"${file.sha256}"`, 'Content-Length': '0' });
            res.end();
            return;
        }
        sendJson(res, 404, { error: 'Not found' });
    }

    // Writes body[0..] (already the requested range, starting at file offset `start`) as the behaviour says.
    function sendBody(req, res, entry, body, start, b) {
        let limit = body.length;
        let then = 'complete';
        if (b.cutAfter !== undefined && !cutDone.has(entry.sha256)) {
            cutDone.add(entry.sha256);
            limit = Math.min(limit, b.cutAfter);
            then = 'cut';
        }
        if (b.stallAfter !== undefined && start + limit > b.stallAfter) {
            limit = Math.max(0, b.stallAfter - start);
            then = 'stalled';
        }
        const chunk = b.bytesPerSecond ? Math.max(1, Math.round(b.bytesPerSecond * THROTTLE_TICK_MS / 1000)) : CHUNK;
        let offset = 0;
        let timer = null;
        res.on('close', () => {
            if (timer) {
                clearTimeout(timer);
                timers.delete(timer);
            }
            if (entry.state === 'sending') {
                entry.state = 'aborted';
            }
        });
        const finish = () => {
            if (then === 'complete') {
                entry.state = 'complete';
                res.end();
            } else if (then === 'cut') {
                entry.state = 'cut';
                res.socket?.destroy();
            } else {
                entry.state = 'stalled';  // nothing more, ever: the socket stays open until stop()
            }
        };
        const step = () => {
            timers.delete(timer);
            timer = null;
            while (!res.destroyed && entry.state === 'sending') {
                if (offset >= limit) {
                    finish();
                    return;
                }
                const piece = body.subarray(offset, Math.min(limit, offset + chunk));
                offset += piece.length;
                entry.bytes += piece.length;
                // The cut must come after the bytes before it left: destroy in the write callback.
                const flushed = res.write(piece, offset >= limit && then === 'cut' ? () => finish() : undefined);
                if (offset >= limit && then === 'cut') {
                    return;
                }
                if (b.bytesPerSecond) {
                    timer = setTimeout(step, THROTTLE_TICK_MS);
                    timers.add(timer);
                    return;
                }
                if (!flushed) {
                    res.once('drain', step);
                    return;
                }
            }
        };
        step();
    }

    function cdnHandler(req, res, entry) {
        const url = new URL(req.url, 'http://cdn');
        const m = /^\/lfs\/([0-9a-f]{64})$/.exec(url.pathname);
        const file = m && blobs.get(m[1]);
        if (!file || (req.method !== 'GET' && req.method !== 'HEAD')) {
            sendJson(res, 404, { error: 'Not found' });
            return;
        }
        const b = behaviourOf(file.sha256);
        let data = file.data;
        if (b.corrupt) {
            data = Buffer.from(file.data);
            data[data.length >> 1] ^= 0xff;
        }
        entry.sha256 = file.sha256;
        const headers = { 'Content-Type': 'application/octet-stream', 'Accept-Ranges': 'bytes',
            ETag: `"${file.sha256}"` };
        let start = 0;
        let end = file.size - 1;
        let status = 200;
        const range = req.headers.range;
        if (range !== undefined) {
            const r = /^bytes=(\d+)-(\d*)$/.exec(range);
            if (!r || Number(r[1]) >= file.size) {
                entry.status = 416;
                res.writeHead(416, { 'Content-Range': `bytes */${file.size}`, 'Content-Length': '0' });
                res.end();
                return;
            }
            start = Number(r[1]);
            end = r[2] === '' ? end : Math.min(end, Number(r[2]));
            status = 206;
            headers['Content-Range'] = `bytes ${start}-${end}/${file.size}`;
        }
        headers['Content-Length'] = String(end - start + 1);
        entry.status = status;
        res.writeHead(status, headers);
        if (req.method === 'HEAD') {
            entry.state = 'complete';
            res.end();
            return;
        }
        entry.state = 'sending';
        res.flushHeaders();  // a response stalled before its first byte still has its headers out
        sendBody(req, res, entry, data.subarray(start, end + 1), start, b);
    }

    const logged = (host, handler) => (req, res) => {
        const entry = { host, method: req.method, path: req.url, authorization: req.headers.authorization ?? null,
            range: req.headers.range ?? null, status: 0, bytes: 0, state: 'complete' };
        log.push(entry);
        const writeHead = res.writeHead.bind(res);
        res.writeHead = (status, ...rest) => {
            entry.status = status;
            return writeHead(status, ...rest);
        };
        req.resume();
        handler(req, res, entry);
    };

    const hub = http.createServer(logged('hub', hubHandler));
    const cdn = http.createServer(logged('cdn', cdnHandler));
    const hubPort = await listen(hub, '127.0.0.1');
    const cdnPort = await listen(cdn, '127.0.0.2');
    cdnUrl = `http://127.0.0.2:${cdnPort}`;

    const files = {};
    for (const repo of byId.values()) {
        for (const f of repo.files.values()) {
            files[f.path] = files[`${repo.id}/${f.path}`] = files[f.sha256] = { sha256: f.sha256, size: f.size };
        }
    }

    return {
        url: `http://127.0.0.1:${hubPort}`,
        cdnUrl,
        log,
        files,
        // The CDN's log entries for one file (sha256 or path).
        cdnRequests: (key) => {
            const { sha256: digest } = fileFor(key);
            return log.filter((e) => e.host === 'cdn' && e.sha256 === digest);
        },
        behave(key, behaviour) {
            const file = fileFor(key);
            behaviours.set(file.sha256, { ...behaviour });
            cutDone.delete(file.sha256);
        },
        async stop() {
            for (const timer of timers) {
                clearTimeout(timer);
            }
            timers.clear();
            await Promise.all([hub, cdn].map((server) => new Promise((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            })));
        },
    };
}

// Checks a fake hub's log entries: the CDN's GETs for one file sent it once in full, plus at most one resumed
// tail (a Range request).
export function assertSentOnce(gets, size) {
    const detail = JSON.stringify(gets);
    const fromStart = gets.filter((e) => e.range === null || e.range === 'bytes=0-');
    assert.equal(fromStart.length, 1, `requests from the first byte: ${detail}`);
    assert.ok(gets.length <= 2, `more than one full download and a tail: ${detail}`);
    const sent = gets.reduce((sum, e) => sum + e.bytes, 0);
    const tail = gets.find((e) => e !== fromStart[0]);
    const tailStart = tail ? Number(/^bytes=(\d+)-/.exec(tail.range)?.[1] ?? 0) : size;
    assert.ok(sent <= size + (size - tailStart), `${sent} bytes sent for a ${size}-byte file: ${detail}`);
}
