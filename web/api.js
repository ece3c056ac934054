// Calls to this server's API. With API keys on, the first 401 asks for a key (kept in this tab's session
// storage only, never in local storage or a cookie) and the call is retried with it.
const KEY_NAME = 'hearth-api-key';
let pendingKey = null;

export function apiKey() {
    return sessionStorage.getItem(KEY_NAME) || '';
}

function askForKey(refused) {
    if (pendingKey) {
        return pendingKey;
    }
    pendingKey = new Promise((resolve) => {
        const dialog = document.getElementById('key-dialog');
        const input = document.getElementById('key-input');
        document.getElementById('key-error').textContent = refused ? 'The server refused that key.' : '';
        dialog.hidden = false;
        input.value = '';
        input.focus();
        const save = () => {
            sessionStorage.setItem(KEY_NAME, input.value.trim());
            dialog.hidden = true;
            document.getElementById('key-button').hidden = false;
            document.getElementById('key-save').removeEventListener('click', save);
            input.removeEventListener('keydown', onKey);
            pendingKey = null;
            resolve();
        };
        const onKey = (e) => { if (e.key === 'Enter') save(); };
        document.getElementById('key-save').addEventListener('click', save);
        input.addEventListener('keydown', onKey);
    });
    return pendingKey;
}

export function forgetKey() {
    sessionStorage.removeItem(KEY_NAME);
    return askForKey(false);
}

// fetch() with the key; on 401 asks for a key and tries again.
export async function api(path, init = {}) {
    for (let attempt = 0; ; attempt++) {
        const headers = new Headers(init.headers || {});
        const key = apiKey();
        if (key) {
            headers.set('Authorization', `Bearer ${key}`);
        }
        const res = await fetch(path, { ...init, headers });
        if (res.status !== 401 || attempt >= 5) {
            return res;
        }
        await askForKey(key !== '');
    }
}

// The OpenAI error's message of a failed response, else its status.
export async function errorText(res) {
    const text = await res.text();
    try {
        const body = JSON.parse(text);
        if (body.error && body.error.message) {
            return body.error.message;
        }
    } catch {
        // not JSON
    }
    return `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
}

export async function postJson(path, body, init = {}) {
    return api(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
        ...init });
}

// Reads a response of server-sent events; onData gets each event's data (a string) as it arrives.
export async function readEvents(res, onData) {
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
        const { value, done } = await reader.read();
        if (done) {
            break;
        }
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
            const data = event.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, ''));
            if (data.length > 0) {
                onData(data.join('\n'));
            }
        }
    }
}

export function formatBytes(n) {
    if (!n) {
        return '–';
    }
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) {
        n /= 1024;
        i++;
    }
    return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

// A DOM element with properties and children (strings become text nodes: nothing is parsed as HTML).
export function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props)) {
        if (name === 'class') {
            node.className = value;
        } else if (name.startsWith('on')) {
            node.addEventListener(name.slice(2), value);
        } else if (name === 'dataset') {
            Object.assign(node.dataset, value);
        } else {
            node[name] = value;
        }
    }
    for (const child of children.flat()) {
        if (child !== null && child !== undefined) {
            node.append(child instanceof Node ? child : String(child));
        }
    }
    return node;
}
