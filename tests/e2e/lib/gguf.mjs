// Minimal GGUF (v3) reader and writer, and a whisper.cpp ggml header reader: the tests take the expected
// metadata from the files themselves and build small malformed or weightless GGUF files.

import fsp from 'node:fs/promises';

export const T = Object.freeze({
    UINT8: 0, INT8: 1, UINT16: 2, INT16: 3, UINT32: 4, INT32: 5, FLOAT32: 6, BOOL: 7, STRING: 8, ARRAY: 9,
    UINT64: 10, INT64: 11, FLOAT64: 12,
});

const SCALAR_SIZE = {
    [T.UINT8]: 1, [T.INT8]: 1, [T.UINT16]: 2, [T.INT16]: 2, [T.UINT32]: 4, [T.INT32]: 4, [T.FLOAT32]: 4,
    [T.BOOL]: 1, [T.UINT64]: 8, [T.INT64]: 8, [T.FLOAT64]: 8,
};

class Reader {
    constructor(buf) {
        this.buf = buf;
        this.pos = 0;
    }

    need(n) {
        if (this.pos + n > this.buf.length) {
            throw new Error(`GGUF: read past the end at ${this.pos}`);
        }
    }

    u32() {
        this.need(4);
        const v = this.buf.readUInt32LE(this.pos);
        this.pos += 4;
        return v;
    }

    u64() {
        this.need(8);
        const v = this.buf.readBigUInt64LE(this.pos);
        this.pos += 8;
        return Number(v);
    }

    str() {
        const n = this.u64();
        this.need(n);
        const s = this.buf.toString('utf8', this.pos, this.pos + n);
        this.pos += n;
        return s;
    }

    value(type) {
        switch (type) {
            case T.STRING: return this.str();
            case T.ARRAY: {
                const elemType = this.u32();
                const n = this.u64();
                if (elemType === T.STRING) {
                    for (let i = 0; i < n; ++i) {
                        this.str();
                    }
                } else {
                    const size = SCALAR_SIZE[elemType];
                    if (size === undefined) {
                        throw new Error(`GGUF: array of type ${elemType}`);
                    }
                    this.need(size * n);
                    this.pos += size * n;
                }
                return { array: elemType, length: n };
            }
            default: {
                const size = SCALAR_SIZE[type];
                if (size === undefined) {
                    throw new Error(`GGUF: value type ${type}`);
                }
                this.need(size);
                const at = this.pos;
                this.pos += size;
                switch (type) {
                    case T.UINT8: return this.buf.readUInt8(at);
                    case T.INT8: return this.buf.readInt8(at);
                    case T.UINT16: return this.buf.readUInt16LE(at);
                    case T.INT16: return this.buf.readInt16LE(at);
                    case T.UINT32: return this.buf.readUInt32LE(at);
                    case T.INT32: return this.buf.readInt32LE(at);
                    case T.FLOAT32: return this.buf.readFloatLE(at);
                    case T.BOOL: return this.buf.readUInt8(at) !== 0;
                    case T.UINT64: return Number(this.buf.readBigUInt64LE(at));
                    case T.INT64: return Number(this.buf.readBigInt64LE(at));
                    default: return this.buf.readDoubleLE(at);
                }
            }
        }
    }
}

// { version, tensorCount, kv: Map(key -> value) } of a GGUF file (arrays are summarized, not read).
export async function readGgufMetadata(file) {
    const r = new Reader(await fsp.readFile(file));
    r.need(4);
    const magic = r.buf.toString('latin1', 0, 4);
    if (magic !== 'GGUF') {
        throw new Error(`${file}: not GGUF (magic ${JSON.stringify(magic)})`);
    }
    r.pos = 4;
    const version = r.u32();
    const tensorCount = r.u64();
    const kvCount = r.u64();
    const kv = new Map();
    for (let i = 0; i < kvCount; ++i) {
        const key = r.str();
        kv.set(key, r.value(r.u32()));
    }
    return { version, tensorCount, kv };
}

// What hearth should report for a GGUF model, as read from the file.
export async function expectedGgufFacts(file) {
    const { kv } = await readGgufMetadata(file);
    const arch = kv.get('general.architecture');
    return {
        architecture: arch,
        context_length: kv.get(`${arch}.context_length`) ?? 0,
        embedding_length: kv.get(`${arch}.embedding_length`) ?? 0,
        has_chat_template: kv.has('tokenizer.chat_template'),
    };
}

// The hyper-parameters of a whisper.cpp ggml file (magic "ggml" as a little-endian 0x67676d6c).
export async function readWhisperHeader(file) {
    const handle = await fsp.open(file, 'r');
    try {
        const buf = Buffer.alloc(48);
        await handle.read(buf, 0, 48, 0);
        if (buf.readUInt32LE(0) !== 0x67676d6c) {
            throw new Error(`${file}: not a ggml file`);
        }
        const names = ['n_vocab', 'n_audio_ctx', 'n_audio_state', 'n_audio_head', 'n_audio_layer', 'n_text_ctx',
            'n_text_state', 'n_text_head', 'n_text_layer', 'n_mels', 'ftype'];
        return Object.fromEntries(names.map((name, i) => [name, buf.readInt32LE(4 + 4 * i)]));
    } finally {
        await handle.close();
    }
}

function encodeString(s) {
    const bytes = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(bytes.length));
    return Buffer.concat([len, bytes]);
}

function encodeValue(type, value) {
    if (type === T.STRING) {
        return encodeString(value);
    }
    if (type === T.ARRAY) {
        // value: { type, items }
        const head = Buffer.alloc(12);
        head.writeUInt32LE(value.type, 0);
        head.writeBigUInt64LE(BigInt(value.items.length), 4);
        return Buffer.concat([head, ...value.items.map((item) => encodeValue(value.type, item))]);
    }
    const buf = Buffer.alloc(SCALAR_SIZE[type]);
    switch (type) {
        case T.UINT8: buf.writeUInt8(value); break;
        case T.INT8: buf.writeInt8(value); break;
        case T.UINT16: buf.writeUInt16LE(value); break;
        case T.INT16: buf.writeInt16LE(value); break;
        case T.UINT32: buf.writeUInt32LE(value); break;
        case T.INT32: buf.writeInt32LE(value); break;
        case T.FLOAT32: buf.writeFloatLE(value); break;
        case T.BOOL: buf.writeUInt8(value ? 1 : 0); break;
        case T.UINT64: buf.writeBigUInt64LE(BigInt(value)); break;
        case T.INT64: buf.writeBigInt64LE(BigInt(value)); break;
        default: buf.writeDoubleLE(value); break;
    }
    return buf;
}

// A GGUF v3 file with the given metadata [[key, type, value], ...] and no tensors.
export function ggufWithoutTensors(kv, { version = 3 } = {}) {
    const head = Buffer.alloc(24);
    head.write('GGUF', 0, 'latin1');
    head.writeUInt32LE(version, 4);
    head.writeBigUInt64LE(0n, 8);
    head.writeBigUInt64LE(BigInt(kv.length), 16);
    const parts = [head];
    for (const [key, type, value] of kv) {
        const t = Buffer.alloc(4);
        t.writeUInt32LE(type);
        parts.push(encodeString(key), t, encodeValue(type, value));
    }
    return Buffer.concat(parts);
}

// A copy of a GGUF file (a Buffer) with metadata [[key, type, value], ...] appended: the tensors and their data
// are kept, the data section moved to the next multiple of the file's alignment (tensor offsets are relative to
// it). For files that pass every check of their own but carry values an engine's loader asserts on.
export function ggufWithExtraKeys(buf, extra) {
    const r = new Reader(buf);
    r.pos = 8;
    const tensorCount = r.u64();
    const kvCount = r.u64();
    let alignment = 32;
    for (let i = 0; i < kvCount; ++i) {
        const key = r.str();
        const value = r.value(r.u32());
        if (key === 'general.alignment') {
            alignment = value;
        }
    }
    const kvEnd = r.pos;
    for (let i = 0; i < tensorCount; ++i) {
        r.str();
        const dims = r.u32();
        r.pos += 8 * dims + 4 + 8;  // dims, type, offset
    }
    const infoEnd = r.pos;
    const dataStart = Math.ceil(infoEnd / alignment) * alignment;
    const head = Buffer.from(buf.subarray(0, 24));
    head.writeBigUInt64LE(BigInt(kvCount + extra.length), 16);
    const added = extra.map(([key, type, value]) => {
        const t = Buffer.alloc(4);
        t.writeUInt32LE(type);
        return Buffer.concat([encodeString(key), t, encodeValue(type, value)]);
    });
    const meta = Buffer.concat([head, buf.subarray(24, kvEnd), ...added, buf.subarray(kvEnd, infoEnd)]);
    const padding = Buffer.alloc(Math.ceil(meta.length / alignment) * alignment - meta.length);
    return Buffer.concat([meta, padding, buf.subarray(dataStart)]);
}
