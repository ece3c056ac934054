// Test images: PNGs made here (8-bit RGB, each pixel a function of its place and a seed), and the other formats
// converted from them with the ffmpeg command-line tool (Debian's ffmpeg, which scripts/deps.sh installs).

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) {
        c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    return c >>> 0;
});

function crc32(buf) {
    let c = 0xffffffff;
    for (const byte of buf) {
        c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
    }
    return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
}

export function makePng(width, height, seed = 1) {
    const raw = Buffer.alloc(height * (1 + width * 3));
    for (let y = 0; y < height; y++) {
        const row = y * (1 + width * 3);
        for (let x = 0; x < width; x++) {
            raw[row + 1 + x * 3] = (x * 7 + seed * 31) & 0xff;
            raw[row + 2 + x * 3] = (y * 5 + seed * 17) & 0xff;
            raw[row + 3 + x * 3] = (((x ^ y) * 3) + seed * 53) & 0xff;
        }
    }
    const header = Buffer.alloc(13);
    header.writeUInt32BE(width, 0);
    header.writeUInt32BE(height, 4);
    header.set([8, 2, 0, 0, 0], 8);
    return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header),
        chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

// The PNG converted to another format by its extension: jpg, gif, bmp, webp.
export function convertPng(png, ext) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-img-'));
    try {
        const input = path.join(dir, 'in.png');
        const output = path.join(dir, `out.${ext}`);
        fs.writeFileSync(input, png);
        execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-i', input, '-frames:v', '1', output]);
        return fs.readFileSync(output);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

export function dataUrl(bytes, mime = 'image/png') {
    return `data:${mime};base64,${Buffer.from(bytes).toString('base64')}`;
}

export const imagePart = (url) => ({ type: 'image_url', image_url: { url } });
