#!/usr/bin/env python3
"""Requests and tables for scripts/device-check.sh (the GPU machine has Python but no Node or jq).

Subcommands print Markdown for the run's summary:
  greedy  --a URL --b URL --model M   greedy completions of two servers, compared text for text
  wait    --url URL --pid P --seconds S   until GET /health answers 200 (exit 1: the process ended, or time ran out)
  warm    --url URL --model M         one short request (loads the model, first CUDA kernels)
  embed   --a URL --b URL --model M   embeddings of two servers, compared by cosine similarity
  speech  --url URL --model M --audio WAV --cli WHISPER_CLI --file MODEL_FILE
  table   --dir D --endpoint E        closed-loop levels of llama-server and hearth, with ratios
  rates   --dir D --endpoint E        three open-loop rates: 0.8, 1.2 and 1.8 x llama-server's rate at its top closed-loop level
  open    --dir D                     open-loop levels with SLO attainment and goodput
  level   --file F --label L          one closed-loop level as a line
  steps   --log F                     hearth's debug step lines: time per decode-only and per prompt step
"""
import argparse
import glob
import json
import math
import os
import re
import subprocess
import sys
import time
import urllib.request
import uuid

PROMPTS = [
    "The quick brown fox",
    "Once upon a time, in a land far away,",
    "def fibonacci(n):",
    "List three uses of a GPU in a data center:",
    "Translate to French: the weather is nice today.",
    "In 1969, the first",
    "Q: What is the capital of Japan?\nA:",
    "Write a haiku about the sea.",
]


def post(url, body, headers=None, timeout=300):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers or {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def completion(base, model, prompt, max_tokens):
    # cache_prompt false (both servers): on a GPU, logits depend on how a prompt was split into batches, and
    # the two servers reuse cached prefixes by different rules.
    body = {"model": model, "prompt": prompt, "max_tokens": max_tokens, "temperature": 0, "cache_prompt": False}
    return post(base + "/v1/completions", body)["choices"][0]["text"]


def cmd_greedy(args):
    rows, equal = [], 0
    for prompt in PROMPTS[: args.prompts]:
        a = completion(args.a, args.model, prompt, args.max_tokens)
        b = completion(args.b, args.model, prompt, args.max_tokens)
        equal += a == b
        rows.append({"prompt": prompt, "llama_server": a, "hearth": b, "equal": a == b})
    with open(args.out, "w") as f:
        json.dump(rows, f, indent=1)
    print(f"- {args.model}: {equal}/{len(rows)} prompts give the same greedy text ({args.max_tokens} tokens at most)")
    for row in rows:
        if not row["equal"]:
            print(f"  - differs on {row['prompt']!r}: llama-server {row['llama_server'][:80]!r} / hearth {row['hearth'][:80]!r}")
    return 0 if equal == len(rows) else 1


def cmd_wait(args):
    deadline = time.time() + float(args.seconds)
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(args.url + "/health", timeout=2) as response:
                if response.status == 200:
                    return 0
        except OSError:
            pass
        try:
            os.kill(int(args.pid), 0)
        except OSError:
            return 1
        time.sleep(0.2)
    return 1


def cmd_warm(args):
    completion(args.url, args.model, "warm up", 4)
    return 0


def cmd_embed(args):
    texts = PROMPTS[:4]
    vectors = []
    for base in (args.a, args.b):
        data = post(base + "/v1/embeddings", {"model": args.model, "input": texts})["data"]
        vectors.append([d["embedding"] for d in sorted(data, key=lambda d: d["index"])])

    def cosine(x, y):
        dot = sum(p * q for p, q in zip(x, y))
        return dot / (math.sqrt(sum(p * p for p in x)) * math.sqrt(sum(q * q for q in y)) or 1)

    worst = min(cosine(x, y) for x, y in zip(*vectors))
    print(f"- embeddings of {len(texts)} texts, hearth against llama-server: lowest cosine similarity {worst:.6f}")
    return 0 if worst > 0.999 else 1


def multipart(fields, file_field, path):
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    with open(path, "rb") as f:
        payload = f.read()
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
            f'filename="{os.path.basename(path)}"\r\nContent-Type: audio/wav\r\n\r\n')
    parts.append(head.encode() + payload + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def cmd_speech(args):
    body, headers = multipart({"model": args.model, "language": "en", "response_format": "json"}, "file", args.audio)
    t = time.time()
    ours = post(args.url + "/v1/audio/transcriptions", body, headers)["text"].strip()
    ours_s = time.time() - t
    t = time.time()
    cli = subprocess.run([args.cli, "-m", args.file, "-f", args.audio, "-l", "en", "-bs", "1", "-bo", "1", "-np",
                          "-nt"], capture_output=True, text=True, timeout=120)
    cli_s = time.time() - t
    theirs = " ".join(cli.stdout.split())
    gpu = "CUDA" in cli.stderr or "cuda" in cli.stderr
    print(f"- hearth: {ours_s:.2f} s, {len(ours)} characters; whisper-cli: {cli_s:.2f} s (one process, model load"
          f" included; saw CUDA in its log: {gpu}), {len(theirs)} characters; same text: {' '.join(ours.split()) == theirs}")
    print(f"  - hearth: {ours[:100]!r}\n  - whisper-cli: {theirs[:100]!r}")
    return 0


def load_levels(pattern):
    out = {}
    for path in glob.glob(pattern):
        with open(path) as f:
            for level in json.load(f)["levels"]:
                out[level["concurrency"]] = level
    return out


def ratio(h, l):
    return f"{h / l:.2f}x" if l else "-"


def cmd_table(args):
    servers = {s: load_levels(os.path.join(args.dir, f"{args.endpoint}-{s}-c*.json")) for s in ("llama", "hearth")}
    chat = args.endpoint != "embeddings"
    print("")
    print("| c | llama-server " + ("out tok/s" if chat else "req/s") + " | hearth | ratio | TTFT p50/p99 ms (llama -> hearth)"
          " | ITL p50/p99 ms (llama -> hearth) | E2E p99 ms (llama -> hearth) | errors |")
    print("|---|---|---|---|---|---|---|---|")
    for c in sorted(set(servers["llama"]) & set(servers["hearth"])):
        l, h = servers["llama"][c], servers["hearth"][c]
        key = "output_tokens_per_s" if chat else "request_throughput"
        print(f"| {c} | {l[key]:.1f} | {h[key]:.1f} | {ratio(h[key], l[key])} "
              f"| {l['ttft_ms']['p50']:.0f}/{l['ttft_ms']['p99']:.0f} -> {h['ttft_ms']['p50']:.0f}/{h['ttft_ms']['p99']:.0f} "
              f"| {l['itl_ms']['p50']:.1f}/{l['itl_ms']['p99']:.1f} -> {h['itl_ms']['p50']:.1f}/{h['itl_ms']['p99']:.1f} "
              f"| {l['e2e_ms']['p99']:.0f} -> {h['e2e_ms']['p99']:.0f} | {l['errors']} / {h['errors']} |")
    print("")
    return 0


def cmd_rates(args):
    levels = load_levels(os.path.join(args.dir, f"{args.endpoint}-llama-c*.json"))
    top = levels[max(levels)]["request_throughput"] if levels else 1.0
    print(",".join(f"{top * k:.2f}" for k in (0.8, 1.2, 1.8)))
    return 0


def cmd_open(args):
    rows = {}
    for path in glob.glob(os.path.join(args.dir, "open-*-r*.json")):
        label = re.match(r"open-(\w+)-r", os.path.basename(path)).group(1)
        with open(path) as f:
            for level in json.load(f)["levels"]:
                rows.setdefault(level["request_rate"], {})[label] = level
    print("")
    print("| rate req/s | llama-server: within SLO, goodput, TTFT p99, TPOT p50 | hearth | goodput ratio |")
    print("|---|---|---|---|")
    for rate in sorted(rows):
        cells = []
        for label in ("llama", "hearth"):
            x = rows[rate].get(label)
            cells.append(f"{100 * x['slo_attainment']:.0f}%, {x['goodput']:.2f}/s, {x['ttft_ms']['p99']:.0f} ms, "
                         f"{x['tpot_ms']['p50']:.1f} ms" if x else "-")
        l, h = rows[rate].get("llama"), rows[rate].get("hearth")
        print(f"| {rate:.2f} | {cells[0]} | {cells[1]} | {ratio(h['goodput'], l['goodput']) if l and h else '-'} |")
    print("")
    return 0


def cmd_level(args):
    with open(args.file) as f:
        x = json.load(f)["levels"][0]
    print(f"- {args.label}, c={x['concurrency']}: {x['output_tokens_per_s']:.1f} output tok/s, TTFT p50/p99 "
          f"{x['ttft_ms']['p50']:.0f}/{x['ttft_ms']['p99']:.0f} ms, ITL p50/p99 {x['itl_ms']['p50']:.1f}/"
          f"{x['itl_ms']['p99']:.1f} ms, errors {x['errors']}")
    return 0


def cmd_steps(args):
    pattern = re.compile(r"step: (\d+) decode \+ (\d+) prompt tokens, ([\d.]+) ms \(([\d.]+) sampling\)")
    decode, prompt, mixed = [], [], []
    with open(args.log, errors="replace") as f:
        for line in f:
            m = pattern.search(line)
            if not m:
                continue
            n_dec, n_pre, ms, sampling = int(m[1]), int(m[2]), float(m[3]), float(m[4])
            (decode if n_pre == 0 else prompt if n_dec == 0 else mixed).append((n_dec, n_pre, ms, sampling))

    def summary(rows, what):
        if not rows:
            return f"  - {what}: none"
        n = len(rows)
        dec = sum(r[0] for r in rows) / n
        pre = sum(r[1] for r in rows) / n
        ms = sorted(r[2] for r in rows)
        samp = sum(r[3] for r in rows) / n
        return (f"  - {what}: {n} steps, mean {dec:.1f} decode + {pre:.0f} prompt tokens, {sum(ms) / n:.1f} ms "
                f"(p50 {ms[n // 2]:.1f}, of which sampling {samp:.2f} ms); total {sum(ms) / 1000:.1f} s")
    for rows, what in ((decode, "decode-only steps"), (prompt, "prompt-only steps"), (mixed, "mixed steps")):
        print(summary(rows, what))
    if prompt:
        tokens = sum(r[1] for r in prompt)
        print(f"  - prompt-only steps: {tokens / (sum(r[2] for r in prompt) / 1000):.0f} prompt tokens/s")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, options in {
        "greedy": ["a", "b", "model", "out"], "wait": ["url", "pid", "seconds"], "warm": ["url", "model"], "embed": ["a", "b", "model"],
        "speech": ["url", "model", "audio", "cli", "file"], "table": ["dir", "endpoint"],
        "rates": ["dir", "endpoint"], "open": ["dir"], "level": ["file", "label"], "steps": ["log"],
    }.items():
        p = sub.add_parser(name)
        for option in options:
            p.add_argument("--" + option, required=True)
        if name == "greedy":
            p.add_argument("--prompts", type=int, default=6)
            p.add_argument("--max-tokens", type=int, default=48)
    args = parser.parse_args()
    try:
        return globals()["cmd_" + args.command](args)
    except Exception as e:  # a failed probe is one line in the summary, never the end of the run
        print(f"- {args.command} failed: {e}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
