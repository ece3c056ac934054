#!/usr/bin/env python3
"""Prints what a set of GGUF files holds, in a form two sets can be diffed by: the same model written whole and
written as llama.cpp splits must hold the same tensors with the same bytes, and the splits the split.* keys.
Plain python3 (no numpy, no gguf-py), as the test machines have it.

usage: gguf_digest.py keys FILE         one line per key: NAME TYPE [VALUE], VALUE for scalars only
       gguf_digest.py tensors FILE...   one line per tensor, in file order: NAME GGML_TYPE NE SHA256 of its bytes
"""
import hashlib
import json
import struct
import sys

SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
STRING, ARRAY = 8, 9
# ggml type -> (values per block, bytes per block), for the types hearth-mkmodel writes.
BLOCKS = {0: (1, 4), 1: (1, 2), 2: (32, 18), 6: (32, 22), 8: (32, 34), 12: (256, 144)}


class Reader:
    def __init__(self, path):
        self.f = open(path, "rb")

    def unpack(self, fmt):
        size = struct.calcsize("<" + fmt)
        return struct.unpack("<" + fmt, self.f.read(size))[0]

    def string(self):
        return self.f.read(self.unpack("Q")).decode()

    def value(self, kind):
        if kind == STRING:
            return self.string()
        if kind == ARRAY:
            item, count = self.unpack("I"), self.unpack("Q")
            for _ in range(count):
                self.value(item)
            return None  # arrays (vocabularies) are compared by name and type only
        return self.unpack(SCALARS[kind])


def read_header(path):
    r = Reader(path)
    if r.f.read(4) != b"GGUF" or r.unpack("I") != 3:
        sys.exit(f"{path}: not a GGUF v3 file")
    n_tensors, n_kv = r.unpack("Q"), r.unpack("Q")
    keys = []
    for _ in range(n_kv):
        name, kind = r.string(), r.unpack("I")
        keys.append((name, kind, r.value(kind)))
    alignment = next((v for n, _, v in keys if n == "general.alignment"), 32)
    tensors = []
    for _ in range(n_tensors):
        name, dims = r.string(), r.unpack("I")
        ne = [r.unpack("Q") for _ in range(dims)]
        tensors.append((name, ne, r.unpack("I"), r.unpack("Q")))
    data_start = (r.f.tell() + alignment - 1) // alignment * alignment
    return r, keys, tensors, data_start


def print_keys(path):
    _, keys, _, _ = read_header(path)
    for name, kind, value in keys:
        print(name, kind, "" if value is None else json.dumps(value))


def nbytes(name, ne, kind):
    if kind not in BLOCKS:
        sys.exit(f"{name}: ggml type {kind} is not one hearth-mkmodel writes")
    block, size = BLOCKS[kind]
    count = 1
    for n in ne[1:]:
        count *= n
    return ne[0] // block * size * count


def print_tensors(paths):
    for path in paths:
        r, _, tensors, data_start = read_header(path)
        for name, ne, kind, offset in tensors:
            r.f.seek(data_start + offset)
            data = r.f.read(nbytes(name, ne, kind))
            print(name, kind, "x".join(map(str, ne)), hashlib.sha256(data).hexdigest())


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "keys":
        print_keys(sys.argv[2])
    elif len(sys.argv) >= 3 and sys.argv[1] == "tensors":
        print_tensors(sys.argv[2:])
    else:
        sys.exit(__doc__)
