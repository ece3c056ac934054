#!/usr/bin/env bash
# Proves that hearth-mkmodel's models are real models: each architecture is generated at test size and then
# loaded and run by llama.cpp's and whisper.cpp's own reference tools (not by hearth), so a wrong tensor
# name, shape, type or metadata key fails here rather than somewhere deep in the server.
#
# usage: check_archs.sh MKMODEL DEPS_PREFIX SCRATCH_DIR CASE
#   CASE: llama | qwen2 | qwen3 | gemma3 | bert | rerank | whisper | determinism | block-pool | clip-mlp |
#         gemma3-vision | outetts | wavtokenizer | split
# env:   HEARTH_SHARED_MODELS (default /work/shared/models) for audio/jfk.wav
#        HEARTH_MMPROJ_PROBE: the mmproj_probe executable (built beside this script), for the projector cases
set -euo pipefail

if [ $# -ne 4 ]; then
    echo "usage: $0 MKMODEL DEPS_PREFIX SCRATCH_DIR CASE" >&2
    exit 2
fi
MKMODEL=$1
PREFIX=$2
TOOLS=$PREFIX/tools
CASE=$4
WORK=$3/$CASE
SHARED=${HEARTH_SHARED_MODELS:-/work/shared/models}
DIGEST=$(dirname "${BASH_SOURCE[0]}")/gguf_digest.py
TOOL_TIMEOUT=120
# One compute thread per tool: the models are tiny, and ggml's spinning worker threads slow down by orders of
# magnitude when ctest runs several cases on a small, busy machine.
THREADS=1
SERVER_PID=""

rm -rf "$WORK"
mkdir -p "$WORK"

log() { echo "[$CASE] $*"; }
fail() {
    echo "[$CASE] FAIL: $*" >&2
    exit 1
}

stop_server() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
}
trap stop_server EXIT

# generate OUT ARGS...: runs the generator and insists on success and a non-empty file.
generate() {
    local out=$1
    shift
    local started=$SECONDS
    "$MKMODEL" "$@" -o "$out" >"$WORK/mkmodel.out" 2>"$WORK/mkmodel.err" ||
        fail "hearth-mkmodel $* failed: $(cat "$WORK/mkmodel.err")"
    [ -s "$out" ] || fail "hearth-mkmodel $* wrote no file"
    [ ! -e "$out.tmp" ] || fail "hearth-mkmodel left $out.tmp behind"
    log "generated $(basename "$out") ($*) in $((SECONDS - started))s: $(stat -c %s "$out") bytes"
}

# The llama.cpp tools are dynamically linked to impl libraries next to them; say so plainly when one is missing.
require_tool() {
    local tool=$TOOLS/$1
    [ -x "$tool" ] || fail "$tool not found (run scripts/deps.sh)"
    local probe
    if ! probe=$("$tool" --help 2>&1 >/dev/null) && grep -q "error while loading shared libraries" <<<"$probe"; then
        fail "$tool cannot start: $(grep "error while loading" <<<"$probe")"
    fi
}

# ---------------------------------------------------------------------------------------------------------------
# HTTP and JSON helpers: curl when present, else node's fetch; JSON is always checked with node.

http_get_ok() {
    if command -v curl >/dev/null; then
        curl -sf --max-time 5 "$1" >/dev/null
    else
        node -e 'fetch(process.argv[1]).then(r => process.exit(r.ok ? 0 : 1)).catch(() => process.exit(1))' "$1"
    fi
}

http_post_json() {
    if command -v curl >/dev/null; then
        curl -sS --fail-with-body --max-time 60 -H 'Content-Type: application/json' -d "$2" "$1"
    else
        node -e '
            fetch(process.argv[1], {method: "POST", headers: {"Content-Type": "application/json"}, body: process.argv[2]})
                .then(async r => { process.stdout.write(await r.text()); process.exit(r.ok ? 0 : 1); })
                .catch(e => { console.error(String(e)); process.exit(1); });' "$1" "$2"
    fi
}

# json_assert BODY SCRIPT: SCRIPT is a node expression body with `b` bound to the parsed JSON; it must
# return an empty string on success or a description of what is wrong.
json_assert() {
    local problem
    problem=$(node -e '
        let b;
        try { b = JSON.parse(process.argv[1]); } catch (e) { console.log("not JSON: " + process.argv[1].slice(0, 200)); process.exit(0); }
        const check = new Function("b", process.argv[2]);
        console.log(check(b) || "");' "$1" "$2") || fail "node could not run the JSON check"
    [ -z "$problem" ] || fail "$problem"
}

# json_file_assert FILE SCRIPT: json_assert for a body too large for a command-line argument.
json_file_assert() {
    local problem
    problem=$(node -e '
        let b;
        try { b = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); } catch (e) { console.log("not JSON: " + e); process.exit(0); }
        const check = new Function("b", process.argv[2]);
        console.log(check(b) || "");' "$1" "$2") || fail "node could not run the JSON check"
    [ -z "$problem" ] || fail "$problem"
}

free_port() {
    node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });' 2>/dev/null ||
        echo $((20000 + RANDOM % 30000))
}

# start_server MODEL ARGS...: starts llama-server on a free loopback port and waits for /health; sets PORT.
# A port taken between probing and binding makes the server exit, so that case is retried on a new port.
start_server() {
    local model=$1
    shift
    local attempt
    for attempt in 1 2 3; do
        PORT=$(free_port)
        "$TOOLS/llama-server" -m "$model" --host 127.0.0.1 --port "$PORT" -t "$THREADS" "$@" >"$WORK/server.log" 2>&1 &
        SERVER_PID=$!
        local waited
        for waited in $(seq 1 300); do
            if http_get_ok "http://127.0.0.1:$PORT/health"; then
                log "llama-server up on port $PORT after ~$((waited / 5))s (attempt $attempt)"
                return 0
            fi
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.2
        done
        stop_server
    done
    fail "llama-server did not come up for $(basename "$model"): $(tail -5 "$WORK/server.log")"
}

# ---------------------------------------------------------------------------------------------------------------
# Checks

# check_completion MODEL GGML_TYPE_NAME: greedy completion must succeed, print generated text after the prompt,
# and the loader must report tensors of the expected type (ggml's names: f32, f16, q8_0, q4_0, q4_K).
check_completion() {
    local model=$1 type=$2
    local out=$WORK/completion.out err=$WORK/completion.err text attempt
    # llama-completion prints through common's asynchronous logger, which on a loaded machine can exit before
    # writing its last lines: a run whose output is merely cut short is retried; a failed run fails at once.
    for attempt in 1 2 3; do
        timeout "$TOOL_TIMEOUT" "$TOOLS/llama-completion" -m "$model" -p "Hello" -n 8 -no-cnv --temp 0 -s 1 \
            -t "$THREADS" -v >"$out" 2>"$err" ||
            fail "llama-completion exited $? on $(basename "$model"): $(grep -iE "error|fail" "$err" | head -3)"
        text=$(cat "$out")
        text=${text#" "} # SentencePiece vocabularies print the prompt with their leading space.
        if [ ${#text} -gt 5 ] && grep -qE "eval time = .*/ +[1-9][0-9]* runs" "$err"; then
            break
        fi
        log "llama-completion output cut short on attempt $attempt; running it again"
    done
    [[ $text == Hello* ]] || fail "completion output does not start with the prompt: '$text'"
    [ ${#text} -gt 5 ] || fail "no generated text after the prompt for $(basename "$model")"
    grep -qE "llama_model_loader: - type +$type: +[0-9]+ tensors" "$err" ||
        fail "$(basename "$model") has no $type tensors: $(grep -E 'llama_model_loader: - type' "$err" | sort -u | tr '\n' ' ')"
    grep -qE "eval time = .*/ +[1-9][0-9]* runs" "$err" || fail "no decode timings: nothing was generated"
    log "llama-completion OK on $(basename "$model") ($type): $(tr '\n' ' ' <<<"$text" | head -c 80)"
}

# check_embeddings MODEL DIM: /v1/embeddings must return one finite, non-zero vector of the model's width.
check_embeddings() {
    local model=$1 dim=$2
    start_server "$model" --embeddings
    local body
    body=$(http_post_json "http://127.0.0.1:$PORT/v1/embeddings" '{"input": "The quick brown fox"}') ||
        fail "POST /v1/embeddings failed: $body"
    json_assert "$body" "
        const d = b.data;
        if (!Array.isArray(d) || d.length !== 1) return 'expected one embedding, got ' + JSON.stringify(b).slice(0, 200);
        const v = d[0].embedding;
        if (!Array.isArray(v) || v.length !== $dim) return 'expected $dim dims, got ' + (v && v.length);
        if (!v.every(Number.isFinite)) return 'embedding has non-finite values';
        if (v.every(x => x === 0)) return 'embedding is all zeros';
        return '';"
    stop_server
    log "embeddings OK on $(basename "$model"): $dim dims"
}

check_rerank() {
    local model=$1
    start_server "$model" --rerank
    local body request='{"query": "What is a panda?", "documents": ["hi", "The giant panda is a bear.", "Paris is in France."]}'
    body=$(http_post_json "http://127.0.0.1:$PORT/v1/rerank" "$request") || fail "POST /v1/rerank failed: $body"
    json_assert "$body" "
        const r = b.results;
        if (!Array.isArray(r) || r.length !== 3) return 'expected 3 results, got ' + JSON.stringify(b).slice(0, 200);
        const idx = r.map(x => x.index).sort();
        if (idx.join() !== '0,1,2') return 'result indices are ' + idx.join();
        if (!r.every(x => Number.isFinite(x.relevance_score))) return 'missing relevance_score';
        return '';"
    stop_server
    log "rerank OK on $(basename "$model"): $body"
}

# check_whisper MODEL FTYPE QNTVR [EXTRA ARGS]: whisper-cli must read the weight type and quantization
# version from the header, load every tensor and print at least one segment.
check_whisper() {
    local model=$1 ftype=$2 qntvr=$3
    shift 3
    local out=$WORK/whisper.out err=$WORK/whisper.err wav=$SHARED/audio/jfk.wav
    [ -f "$wav" ] || fail "$wav not found (set HEARTH_SHARED_MODELS)"
    timeout "$TOOL_TIMEOUT" "$TOOLS/whisper-cli" -m "$model" -f "$wav" -t "$THREADS" "$@" >"$out" 2>"$err" ||
        fail "whisper-cli exited $? on $(basename "$model"): $(grep -iE "error|fail" "$err" | head -3)"
    grep -qE "whisper_model_load: ftype += $ftype\$" "$err" || fail "whisper.cpp did not read ftype $ftype"
    grep -qE "whisper_model_load: qntvr += $qntvr\$" "$err" || fail "whisper.cpp did not read qntvr $qntvr"
    grep -qE "whisper_model_load: model size += +[0-9.]+ MB" "$err" || fail "whisper.cpp loaded no tensors"
    # Random weights emit random timestamp tokens, which can even print as negative times.
    grep -qE '^\[[-0-9:.]+ --> [-0-9:.]+\]' "$out" || fail "whisper-cli printed no segments: $(head -c 200 "$out")"
    log "whisper-cli OK on $(basename "$model") (ftype $ftype): $(head -c 100 "$out" | tr '\n' ' ')"
}

# png_base64 W H: a small RGB gradient PNG, base64-encoded, made with python3's zlib and struct alone.
png_base64() {
    python3 - "$1" "$2" <<'PY'
import base64, struct, sys, zlib
w, h = int(sys.argv[1]), int(sys.argv[2])
rows = b"".join(b"\0" + bytes(v for x in range(w) for v in (x * 255 // w, y * 255 // h, (x ^ y) & 255))
                for y in range(h))
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
       + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
print(base64.b64encode(png).decode())
PY
}

# check_probe TEXT MMPROJ TOKENS: libmtmd (through mmproj_probe, not llama-server) accepts the projector for the
# text model and encodes an image into TOKENS embeddings that are all finite and not all zero.
check_probe() {
    local text=$1 mmproj=$2 tokens=$3 probe=${HEARTH_MMPROJ_PROBE:-} out
    [ -x "$probe" ] || fail "HEARTH_MMPROJ_PROBE does not name the mmproj_probe executable (run through ctest)"
    out=$(timeout "$TOOL_TIMEOUT" "$probe" "$text" "$mmproj" "$tokens" "$THREADS" 2>&1) ||
        fail "mmproj_probe on $(basename "$mmproj"): $out"
    log "libmtmd encoded an image with $(basename "$mmproj"): $out"
}

# check_image_chat TEXT MMPROJ TOKENS: llama-server loads the pair and answers a chat turn holding an image with
# generated text; its log shows the image encoded and decoded as one batch of TOKENS embeddings.
check_image_chat() {
    local text=$1 mmproj=$2 tokens=$3 body request waited
    # -v: libmtmd's encode and decode lines are only logged verbosely.
    start_server "$text" --mmproj "$mmproj" -np 1 -c 2048 -v
    request='{"messages": [{"role": "user", "content": [{"type": "text", "text": "What is in this picture?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,'"$(png_base64 64 48)"'"}}]}],
        "max_tokens": 8, "temperature": 0}'
    body=$(http_post_json "http://127.0.0.1:$PORT/v1/chat/completions" "$request") ||
        fail "POST /v1/chat/completions with an image failed: $(head -c 300 <<<"$body")"
    json_assert "$body" "
        const u = b.usage, m = b.choices && b.choices[0] && b.choices[0].message;
        if (!u || !(u.completion_tokens > 0)) return 'no tokens generated: ' + JSON.stringify(b).slice(0, 300);
        if (!(u.prompt_tokens > $tokens)) return 'a prompt of ' + u.prompt_tokens + ' tokens cannot hold the image';
        if (!m || typeof m.content !== 'string') return 'no message: ' + JSON.stringify(b).slice(0, 300);
        return '';"
    # The server logs from a thread of its own: give the line a moment to arrive.
    for waited in $(seq 1 20); do
        grep -q "n_tokens_batch = $tokens\$" "$WORK/server.log" && break
        sleep 0.1
    done
    grep -q "n_tokens_batch = $tokens\$" "$WORK/server.log" ||
        fail "no image batch of $tokens tokens in the server log: $(grep -E 'clip_encode|image batch' "$WORK/server.log" | tail -3)"
    stop_server
    log "llama-server answered an image turn with $(basename "$mmproj"): $tokens image tokens," \
        "$(node -e 'const u = JSON.parse(process.argv[1]).usage; console.log(u.prompt_tokens + " prompt, " + u.completion_tokens + " generated")' "$body")"
}

# check_gemma3_text MODEL: llama-server renders a chat with the model's template into Gemma 3's control tokens,
# runs it through both a sliding-window and a global layer (the prompt is longer than the 16-token window) and
# answers with finite log-probabilities, for a chat and for a raw /completion.
check_gemma3_text() {
    local model=$1 body request
    # -v: the KV cache's sliding-window line is only logged verbosely.
    start_server "$model" --jinja -np 1 -c 2048 -v
    body=$(http_post_json "http://127.0.0.1:$PORT/tokenize" \
        '{"content": "<start_of_turn>user\nHi<end_of_turn>\n", "parse_special": true}') || fail "POST /tokenize failed: $body"
    json_assert "$body" "
        const t = b.tokens;
        if (!Array.isArray(t) || t[0] !== 105 || !t.includes(106)) return 'turn markers are not Gemma 3 tokens 105/106: ' + JSON.stringify(t);
        return '';"
    request='{"messages": [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content":
        "Tell me a long story about a cat who lives in a lighthouse by the sea and keeps the lamp lit at night."}],
        "max_tokens": 8, "temperature": 0, "logprobs": true, "top_logprobs": 2}'
    body=$(http_post_json "http://127.0.0.1:$PORT/v1/chat/completions" "$request") ||
        fail "POST /v1/chat/completions failed: $(head -c 300 <<<"$body")"
    json_assert "$body" "
        const u = b.usage, c = b.choices && b.choices[0];
        if (!u || !(u.completion_tokens > 0)) return 'no tokens generated: ' + JSON.stringify(b).slice(0, 300);
        if (!(u.prompt_tokens > 16)) return 'a prompt of ' + u.prompt_tokens + ' tokens does not fill the window';
        if (typeof c.message.content !== 'string') return 'no message: ' + JSON.stringify(b).slice(0, 300);
        const lp = (c.logprobs && c.logprobs.content) || [];
        if (lp.length !== u.completion_tokens) return 'expected a logprob per token, got ' + lp.length;
        const all = lp.flatMap(x => [x.logprob, ...x.top_logprobs.map(y => y.logprob)]);
        if (!all.every(Number.isFinite)) return 'non-finite logprobs: ' + JSON.stringify(all);
        return '';"
    request='{"prompt": "Once upon a time a small model with a window of sixteen tokens had to read this sentence",
        "n_predict": 6, "temperature": 0, "n_probs": 3}'
    body=$(http_post_json "http://127.0.0.1:$PORT/completion" "$request") || fail "POST /completion failed: $body"
    json_assert "$body" "
        const p = b.completion_probabilities;
        if (!(b.tokens_predicted > 0) || !Array.isArray(p) || p.length !== b.tokens_predicted) return 'no probabilities: ' + JSON.stringify(b).slice(0, 300);
        if (!p.every(x => Number.isFinite(x.logprob) && x.top_logprobs.length === 3 && x.top_logprobs.every(y => Number.isFinite(y.logprob)))) return 'non-finite probabilities';
        return '';"
    grep -q "llama_kv_cache_iswa: creating *SWA KV cache" "$WORK/server.log" || fail "llama.cpp built no sliding-window cache"
    stop_server
    log "llama-server answered a chat and a completion on $(basename "$model"): $(node -e 'const c = JSON.parse(process.argv[1]); console.log(JSON.stringify(c.content).slice(0, 60))' "$body")"
}

# check_outetts MODEL VERSION: llama-server tokenizes OuteTTS's markers, codes and durations (and 0.3's
# separators) into single tokens at the real OuteTTS-0.2-500M ids, completes an OuteTTS prompt, and ends
# generation at <|audio_end|> and at <|im_end|>; a 0.3 model names its version in the chat template.
check_outetts() {
    local model=$1 version=$2 body text expected
    start_server "$model" -np 1 -c 2048
    text='<|im_start|>\n<|text_start|>hello<|text_sep|>world<|text_end|>\n<|audio_start|>\nhello<|t_0.08|><|code_start|><|0|><|4099|><|code_end|>\n<|audio_end|>\n<|im_end|><|t_9.99|>'
    expected='151644,198,151665,14990,151671,14615,151666,198,151667,198,14990,155780,151669,151672,155771,151670,198,151668,198,151645,156771'
    if [ "$version" = 0.3 ]; then
        text="$text<|space|><|exclamation_mark|>"
        expected="$expected,156772,156776"
    fi
    body=$(http_post_json "http://127.0.0.1:$PORT/tokenize" "{\"content\": \"$text\", \"parse_special\": true}") ||
        fail "POST /tokenize failed: $body"
    json_assert "$body" "
        const t = (b.tokens || []).join();
        if (t !== '$expected') return 'OuteTTS tokens at other ids: ' + t;
        return '';"
    body=$(http_post_json "http://127.0.0.1:$PORT/completion" '{"prompt": "<|im_start|>\n<|text_start|>hello<|text_sep|>world<|text_end|>\n<|audio_start|>\n",
        "n_predict": 12, "temperature": 0, "return_tokens": true}') || fail "POST /completion failed: $body"
    json_assert "$body" "
        if (!(b.tokens_predicted > 0) || b.tokens_evaluated !== 10) return 'no completion of the 10-token prompt: ' + JSON.stringify(b).slice(0, 300);
        if (!b.tokens.every(t => Number.isInteger(t) && t >= 0 && t < 156777)) return 'tokens outside the vocabulary: ' + b.tokens;
        return '';"
    local end_id
    for end_id in 151668 151645; do
        body=$(http_post_json "http://127.0.0.1:$PORT/completion" "{\"prompt\": \"<|audio_start|>\n\", \"n_predict\": 8,
            \"temperature\": 0, \"return_tokens\": true, \"logit_bias\": [[$end_id, 100]]}") || fail "POST /completion failed: $body"
        json_assert "$body" "
            if (b.tokens_predicted !== 1 || b.stop_type !== 'eos') return 'token $end_id does not end generation: ' + JSON.stringify(b).slice(0, 300);
            return '';"
    done
    if [ "$version" = 0.3 ]; then
        body=$(curl -sf --max-time 5 "http://127.0.0.1:$PORT/props") || fail "GET /props failed"
        json_assert "$body" "return b.chat_template === 'outetts-0.3' ? '' : 'no outetts-0.3 marker: ' + JSON.stringify(b.chat_template).slice(0, 100);"
    fi
    stop_server
    log "llama-server tokenized and completed OuteTTS $version prompts on $(basename "$model")"
}

# check_vocoder MODEL N: llama-server serves the vocoder with --embeddings --pooling none and returns, for N codes
# (0 and 4095 among them), N finite 1282-wide frames whose log-magnitudes (the first 641) stay in -10..5 and
# differ from code to code; a code outside the codebook is refused.
check_vocoder() {
    local model=$1 n=$2 body codes
    start_server "$model" --embeddings --pooling none -np 1 -c 512 -b 512 -ub 512
    codes=$(node -e "console.log(JSON.stringify(Array.from({length: $n}, (_, i) => (i * 2477 + 4095) % 4096)))")
    http_post_json "http://127.0.0.1:$PORT/embedding" "{\"content\": $codes}" >"$WORK/frames.json" ||
        fail "POST /embedding failed: $(head -c 300 "$WORK/frames.json")"
    json_file_assert "$WORK/frames.json" "
        const e = Array.isArray(b) && b.length === 1 ? b[0].embedding : null;
        if (!Array.isArray(e) || e.length !== $n) return 'expected $n frames, got ' + JSON.stringify(b).slice(0, 200);
        if (!e.every(f => Array.isArray(f) && f.length === 1282)) return 'frames are not 1282 wide';
        if (!e.every(f => f.every(Number.isFinite))) return 'non-finite frame values';
        const mags = e.flatMap(f => f.slice(0, 641));
        const lo = Math.min(...mags), hi = Math.max(...mags);
        if (lo < -10 || hi > 5) return 'log-magnitudes span ' + lo + '..' + hi;
        if (JSON.stringify(e[0]) === JSON.stringify(e[1])) return 'two codes gave the same frame';
        return '';"
    if body=$(http_post_json "http://127.0.0.1:$PORT/embedding" '{"content": [0, 4096]}' 2>/dev/null); then
        fail "code 4096 was accepted: $(head -c 200 <<<"$body")"
    fi
    grep -q "invalid tokens" <<<"$body" || fail "code 4096 refused for another reason: $body"
    stop_server
    log "llama-server vocoded $n codes with $(basename "$model") into finite 1282-wide frames"
}

# expect_usage_error OUT ARGS...: exit code 2, exactly one error line, and no output file (nor its .tmp).
expect_usage_error() {
    local out=$1
    shift
    local rc=0
    "$MKMODEL" "$@" -o "$out" >"$WORK/bad.out" 2>"$WORK/bad.err" || rc=$?
    [ "$rc" -eq 2 ] || fail "hearth-mkmodel $* exited $rc, expected 2"
    [ "$(wc -l <"$WORK/bad.err")" -eq 1 ] || fail "expected one stderr line for '$*', got: $(cat "$WORK/bad.err")"
    grep -q "error" "$WORK/bad.err" || fail "no error message for '$*'"
    if [ -e "$out" ] || [ -e "$out.tmp" ]; then
        fail "hearth-mkmodel $* left a file behind"
    fi
    log "rejected ($*): $(cat "$WORK/bad.err")"
}

# ---------------------------------------------------------------------------------------------------------------
# Cases

case_decoder() {
    local preset=$1 type_a=$2 ggml_a=$3 type_b=$4 ggml_b=$5
    require_tool llama-completion
    generate "$WORK/$preset-$type_a.gguf" --preset "$preset" --type "$type_a" --seed 1
    check_completion "$WORK/$preset-$type_a.gguf" "$ggml_a"
    generate "$WORK/$preset-$type_b.gguf" --preset "$preset" --type "$type_b" --seed 2
    check_completion "$WORK/$preset-$type_b.gguf" "$ggml_b"
}

case_llama() {
    case_decoder tiny-llama f32 f32 q4_k q4_K
    # A Llama 2 style variant: SentencePiece vocab, no template, separate output head, wider FFN.
    generate "$WORK/llama-spm.gguf" --arch llama --vocab llama-spm --template none --untied \
        --layers 1 --embd 64 --ff 96 --heads 2 --type q8_0
    check_completion "$WORK/llama-spm.gguf" q8_0
}

# --block-pool: quantized matrices assembled from a pool of quantized blocks. The file has the layout of the
# quantizing run (same size, same types) but other bytes; it is deterministic, loads and generates; and a
# tensor's rows are distinct (each of its blocks is drawn on its own).
case_block_pool() {
    local a=$WORK/pool-a.gguf b=$WORK/pool-b.gguf q=$WORK/quantized.gguf
    generate "$a" --preset tiny-llama --type q4_k --block-pool --seed 9 --threads 1
    generate "$b" --preset tiny-llama --type q4_k --block-pool --seed 9 --threads 3
    generate "$q" --preset tiny-llama --type q4_k --seed 9
    cmp -s "$a" "$b" || fail "--block-pool is not deterministic across thread counts"
    [ "$(stat -c %s "$a")" = "$(stat -c %s "$q")" ] || fail "--block-pool changed the file size"
    ! cmp -s "$a" "$q" || fail "--block-pool wrote the quantized bytes: the pool was not used"
    check_completion "$a" q4_K
    # Distinct rows: the Q4_K tensor ffn_down of layer 0 (rows of 256 values, one 144-byte block each) is
    # found through the GGUF header and its rows counted.
    python3 - "$a" <<'PY' || fail "--block-pool rows repeat"
import struct, sys
f = open(sys.argv[1], "rb")
def u(fmt): return struct.unpack("<" + fmt, f.read(struct.calcsize("<" + fmt)))[0]
def s(): return f.read(u("Q")).decode()
SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
def skip(t):
    if t == 8: s()
    elif t == 9:
        et, n = u("I"), u("Q")
        for _ in range(n): skip(et)
    else: f.read(SIZES[t])
assert f.read(4) == b"GGUF" and u("I") == 3
n_tensors, n_kv = u("Q"), u("Q")
alignment = 32
for _ in range(n_kv):
    key, t = s(), u("I")
    if key == "general.alignment": alignment = u("I")
    else: skip(t)
infos = {}
for _ in range(n_tensors):
    name, dims = s(), u("I")
    ne = [u("Q") for _ in range(dims)]
    infos[name] = (ne, u("I"), u("Q"))
data = (f.tell() + alignment - 1) // alignment * alignment
ne, ggml_type, offset = infos["blk.0.ffn_down.weight"]
assert ggml_type == 12 and ne[0] == 256, (ggml_type, ne)  # Q4_K
f.seek(data + offset)
rows = [f.read(144) for _ in range(ne[1])]
distinct = len(set(rows))
print(f"{distinct} distinct rows of {len(rows)}")
sys.exit(0 if distinct == len(rows) else 1)
PY
    log "block pool: deterministic, same layout, distinct blocks, generates"
}

case_bert() {
    require_tool llama-server
    generate "$WORK/tiny-bert-f16.gguf" --preset tiny-bert --type f16
    check_embeddings "$WORK/tiny-bert-f16.gguf" 64
    generate "$WORK/bert-mean-q8_0.gguf" --arch bert --pooling mean --layers 2 --embd 96 --ff 192 --heads 3 --type q8_0
    check_embeddings "$WORK/bert-mean-q8_0.gguf" 96
}

case_rerank() {
    require_tool llama-server
    generate "$WORK/tiny-rerank-q8_0.gguf" --preset tiny-rerank --type q8_0
    check_rerank "$WORK/tiny-rerank-q8_0.gguf"
}

case_whisper() {
    require_tool whisper-cli
    generate "$WORK/tiny-whisper-f16.bin" --preset tiny-whisper
    check_whisper "$WORK/tiny-whisper-f16.bin" 1 0
    # Quantized files store 1000 * quantization version + GGML_FTYPE_MOSTLY_Q8_0; whisper.cpp splits the two.
    # Greedy decoding without temperature fallback keeps the garbage transcription short.
    generate "$WORK/tiny-whisper-q8_0.bin" --preset tiny-whisper --type q8_0 --seed 5
    check_whisper "$WORK/tiny-whisper-q8_0.bin" 7 2 -nf -bs 1 -bo 1
}

case_determinism() {
    local a=$WORK/a.gguf b=$WORK/b.gguf c=$WORK/c.gguf
    # The thread count differs on purpose: rows are seeded independently, so it must not change a byte.
    generate "$a" --preset tiny-qwen3 --type q4_k --seed 7 --threads 1
    generate "$b" --preset tiny-qwen3 --type q4_k --seed 7 --threads 3
    generate "$c" --preset tiny-qwen3 --type q4_k --seed 8
    local sum_a sum_b sum_c
    sum_a=$(sha256sum "$a" | cut -d' ' -f1)
    sum_b=$(sha256sum "$b" | cut -d' ' -f1)
    sum_c=$(sha256sum "$c" | cut -d' ' -f1)
    [ "$sum_a" = "$sum_b" ] || fail "same preset and seed gave different files: $sum_a vs $sum_b"
    # A second run of the same generator in the same process must not pick up state either.
    generate "$WORK/d.gguf" --preset tiny-qwen3 --type q4_k --seed 7
    cmp -s "$a" "$WORK/d.gguf" || fail "a third run with the same seed differs"
    [ "$sum_a" != "$sum_c" ] || fail "different seeds gave identical files"
    [ "$(stat -c %s "$a")" = "$(stat -c %s "$c")" ] || fail "the seed changed the file size"
    generate "$WORK/w1.bin" --preset tiny-whisper --seed 3
    generate "$WORK/w2.bin" --preset tiny-whisper --seed 3
    cmp -s "$WORK/w1.bin" "$WORK/w2.bin" || fail "whisper output is not deterministic"
    log "deterministic: $sum_a (seed 7, twice), $sum_c (seed 8)"

    local bad=$WORK/bad.gguf
    expect_usage_error "$bad" --preset no-such-preset
    expect_usage_error "$bad" --arch gpt9
    expect_usage_error "$bad" --preset tiny-llama --type q3_x
    expect_usage_error "$bad" --arch llama --embd 66 --heads 4
    expect_usage_error "$bad" --arch llama --heads 4 --kv-heads 3
    expect_usage_error "$bad" --arch qwen2 --vocab no-such-vocab
    expect_usage_error "$bad" --arch qwen3 --template no-such-template
    expect_usage_error "$bad" --preset tiny-whisper --type q4_k
    expect_usage_error "$WORK/no/such/dir/x.gguf" --preset tiny-bert
    expect_usage_error "$bad" --preset tiny-bert --vocab-dir "$WORK/empty"
    [ -z "$(find "$WORK" -name '*.tmp')" ] || fail "temporary files left behind"
}

# A LLaVA-1.5 style projector (CLIP ViT, MLP) for a tiny Llama 3: libmtmd encodes finite embeddings of the text
# model's width in every weight type, llama-server answers an image turn, and the projector options are checked.
case_clip_mlp() {
    require_tool llama-server
    local text=$WORK/tiny-llama.gguf mmproj=$WORK/mmproj-f16.gguf bad=$WORK/bad.gguf type
    generate "$text" --preset tiny-llama --type f16 --seed 3
    generate "$mmproj" --preset tiny-clip-mlp --mmproj-for "$text" --seed 4
    check_probe "$text" "$mmproj" 36
    check_image_chat "$text" "$mmproj" 36
    for type in f32 q8_0 q4_k; do
        generate "$WORK/mmproj-$type.gguf" --preset tiny-clip-mlp --proj-embd 64 --type "$type" --seed 5
        check_probe "$text" "$WORK/mmproj-$type.gguf" 36
    done
    # 168 px in patches of 14: a 12x12 grid. --arch clip starts from the tiny preset's image shape.
    generate "$WORK/mmproj-168.gguf" --preset tiny-clip-mlp --proj-embd 64 --image-size 168
    check_probe "$text" "$WORK/mmproj-168.gguf" 144
    generate "$WORK/mmproj-arch.gguf" --arch clip --layers 3 --embd 96 --ff 192 --heads 3 --proj-embd 64
    check_probe "$text" "$WORK/mmproj-arch.gguf" 36
    generate "$WORK/det-1.gguf" --preset tiny-clip-mlp --proj-embd 64 --type q8_0 --threads 1
    generate "$WORK/det-3.gguf" --preset tiny-clip-mlp --proj-embd 64 --type q8_0 --threads 3
    cmp -s "$WORK/det-1.gguf" "$WORK/det-3.gguf" || fail "projector output depends on the thread count"

    expect_usage_error "$bad" --preset tiny-clip-mlp
    expect_usage_error "$bad" --preset tiny-clip-mlp --proj-embd 64 --mmproj-for "$text"
    expect_usage_error "$bad" --preset tiny-clip-mlp --mmproj-for "$mmproj"
    expect_usage_error "$bad" --preset tiny-clip-mlp --mmproj-for "$WORK/no-such-model.gguf"
    expect_usage_error "$bad" --preset tiny-llama --proj-embd 64
    expect_usage_error "$bad" --preset tiny-clip-mlp --proj-embd 64 --image-size 90
    expect_usage_error "$bad" --preset tiny-clip-mlp --proj-embd 64 --layers 1
}

# A Gemma 3 projector (SigLIP, average pooling, RMS norm, projection) for a tiny Qwen2.5: Gemma 3's own text
# model is not needed, libmtmd only matches the widths.
case_gemma3_vision() {
    require_tool llama-server
    local text=$WORK/tiny-qwen2.gguf mmproj=$WORK/mmproj-gemma3.gguf bad=$WORK/bad.gguf
    generate "$text" --preset tiny-qwen2 --type f16 --seed 3
    generate "$mmproj" --preset tiny-gemma3-vision --mmproj-for "$text" --seed 4
    check_probe "$text" "$mmproj" 16
    check_image_chat "$text" "$mmproj" 16
    generate "$WORK/mmproj-gemma3-q8_0.gguf" --preset tiny-gemma3-vision --proj-embd 64 --type q8_0
    check_probe "$text" "$WORK/mmproj-gemma3-q8_0.gguf" 16
    # 224 px: 16 patches a side, pooled 2x2 into 8x8 tokens.
    generate "$WORK/mmproj-gemma3-224.gguf" --preset tiny-gemma3-vision --proj-embd 64 --image-size 224
    check_probe "$text" "$WORK/mmproj-gemma3-224.gguf" 64
    # The real preset's 4x4 pooling is clip.cpp's default and written as no key: 112 px gives 8x8 patches, 2x2 tokens.
    generate "$WORK/mmproj-gemma3-pool4.gguf" --preset gemma3-siglip-896 --layers 1 --embd 64 --ff 128 --heads 4 \
        --image-size 112 --mmproj-for "$text"
    check_probe "$text" "$WORK/mmproj-gemma3-pool4.gguf" 4
    expect_usage_error "$bad" --preset tiny-gemma3-vision --proj-embd 64 --image-size 126
    expect_usage_error "$bad" --preset gemma3-siglip-896 --proj-embd 64 --image-size 70
}

# Gemma 3 text: a local and a global layer, Gemma 4's vocabulary renamed to Gemma 3's control tokens, served in
# f16 and run in q8_0, and paired with the Gemma 3 projector for an image turn.
case_gemma3() {
    require_tool llama-server
    require_tool llama-completion
    local text=$WORK/tiny-gemma3.gguf mmproj=$WORK/mmproj-gemma3.gguf bad=$WORK/bad.gguf
    generate "$text" --preset tiny-gemma3 --type f16 --seed 3
    check_gemma3_text "$text"
    generate "$WORK/tiny-gemma3-q8_0.gguf" --preset tiny-gemma3 --type q8_0 --seed 4
    check_completion "$WORK/tiny-gemma3-q8_0.gguf" q8_0
    generate "$mmproj" --preset tiny-gemma3-vision --mmproj-for "$text" --seed 5
    check_image_chat "$text" "$mmproj" 16
    expect_usage_error "$bad" --preset tiny-gemma3 --swa-pattern 1
    expect_usage_error "$bad" --preset tiny-llama --sliding-window 16
}

# OuteTTS language models (0.2 in f16, 0.3 in q8_0) on Qwen2.5's vocabulary with OuteTTS's tokens.
case_outetts() {
    require_tool llama-server
    local bad=$WORK/bad.gguf
    generate "$WORK/tiny-outetts.gguf" --preset tiny-outetts --type f16 --seed 3
    check_outetts "$WORK/tiny-outetts.gguf" 0.2
    generate "$WORK/tiny-outetts-0.3.gguf" --preset tiny-outetts-0.3 --type q8_0 --seed 4
    check_outetts "$WORK/tiny-outetts-0.3.gguf" 0.3
    expect_usage_error "$bad" --preset tiny-outetts --vocab llama-bpe
}

# WavTokenizer decoders: the test size in f16 and q8_0, and the real WavTokenizer-Large-75 shape.
case_wavtokenizer() {
    require_tool llama-server
    local bad=$WORK/bad.gguf
    generate "$WORK/tiny-wavtokenizer.gguf" --preset tiny-wavtokenizer --seed 3
    check_vocoder "$WORK/tiny-wavtokenizer.gguf" 100
    generate "$WORK/tiny-wavtokenizer-q8_0.gguf" --preset tiny-wavtokenizer --type q8_0 --seed 4
    check_vocoder "$WORK/tiny-wavtokenizer-q8_0.gguf" 20
    generate "$WORK/wavtokenizer-large-75.gguf" --preset wavtokenizer-large-75 --seed 5
    check_vocoder "$WORK/wavtokenizer-large-75.gguf" 24
    expect_usage_error "$bad" --preset tiny-wavtokenizer --embd 48
    expect_usage_error "$bad" --preset tiny-wavtokenizer --vocab qwen2
}

# --split-count: tiny-qwen3 as the three files llama-gguf-split --split writes. Together they hold the unsplit
# file's tensors byte for byte (same seed), evenly by count; the first holds all its keys, each the split.* keys
# libllama checks; and llama-completion loads the model from the first file and generates the same text (seed
# 13: its greedy text changes token midway, where most tiny random models repeat one token).
case_split() {
    require_tool llama-completion
    local whole=$WORK/Tiny-Q8_0.gguf prefix=$WORK/split/Tiny-Q8_0 bad=$WORK/bad.gguf n i expected
    local splits=("$prefix-00001-of-00003.gguf" "$prefix-00002-of-00003.gguf" "$prefix-00003-of-00003.gguf")
    generate "$whole" --preset tiny-qwen3 --type q8_0 --seed 13
    generate "$WORK/one.gguf" --preset tiny-qwen3 --type q8_0 --seed 13 --split-count 1
    cmp -s "$whole" "$WORK/one.gguf" || fail "--split-count 1 is not the unsplit file"
    mkdir -p "$WORK/split"
    "$MKMODEL" --preset tiny-qwen3 --type q8_0 --seed 13 --split-count 3 -o "$prefix.gguf" >"$WORK/mkmodel.out" ||
        fail "hearth-mkmodel --split-count 3 failed"
    for i in 0 1 2; do
        [ -s "${splits[$i]}" ] || fail "no split $(basename "${splits[$i]}"): $(ls "$WORK/split")"
    done
    [ "$(ls "$WORK/split" | wc -l)" -eq 3 ] || fail "more files than the splits: $(ls "$WORK/split")"
    [ "$(grep -c "^wrote $prefix-0000[123]-of-00003.gguf " "$WORK/mkmodel.out")" -eq 3 ] ||
        fail "expected one 'wrote' line per split: $(cat "$WORK/mkmodel.out")"
    diff <(python3 "$DIGEST" tensors "$whole") <(python3 "$DIGEST" tensors "${splits[@]}") >"$WORK/digest.diff" ||
        fail "the splits' tensors are not the unsplit file's: $(head -5 "$WORK/digest.diff")"
    n=$(python3 "$DIGEST" tensors "$whole" | wc -l)
    for i in 0 1 2; do
        expected=$((n / 3 + (i < n % 3 ? 1 : 0)))
        [ "$(python3 "$DIGEST" tensors "${splits[$i]}" | wc -l)" -eq "$expected" ] ||
            fail "split $((i + 1)) does not hold $expected of the $n tensors"
        expected=$(printf 'split.no 2 %d\nsplit.count 2 3\nsplit.tensors.count 5 %d' "$i" "$n")
        if [ "$i" -eq 0 ]; then
            expected=$(python3 "$DIGEST" keys "$whole")$'\n'$expected
        fi
        [ "$(python3 "$DIGEST" keys "${splits[$i]}")" = "$expected" ] || fail "split $((i + 1)) has other keys"
    done
    check_completion "$whole" q8_0
    cp "$WORK/completion.out" "$WORK/whole.out"
    check_completion "${splits[0]}" q8_0
    grep -q "additional 2 GGUFs metadata loaded" "$WORK/completion.err" || fail "libllama did not load splits 2 and 3"
    cmp -s "$WORK/whole.out" "$WORK/completion.out" ||
        fail "the split model generated '$(cat "$WORK/completion.out")', the unsplit one '$(cat "$WORK/whole.out")'"
    log "3 splits of $n tensors: same tensor bytes, loaded from the first, same greedy text"

    expect_usage_error "$bad" --preset tiny-qwen3 --split-count 0
    expect_usage_error "$bad" --preset tiny-qwen3 --split-count $((n + 1))
    expect_usage_error "$bad" --preset tiny-whisper --split-count 2
    [ -z "$(find "$WORK" -name 'bad-*')" ] || fail "a refused split count left files: $(find "$WORK" -name 'bad-*')"
}

case "$CASE" in
    llama) case_llama ;;
    qwen2) case_decoder tiny-qwen2 f16 f16 q4_0 q4_0 ;;
    qwen3) case_decoder tiny-qwen3 q8_0 q8_0 q4_k q4_K ;;
    gemma3) case_gemma3 ;;
    bert) case_bert ;;
    rerank) case_rerank ;;
    whisper) case_whisper ;;
    determinism) case_determinism ;;
    block-pool) case_block_pool ;;
    clip-mlp) case_clip_mlp ;;
    gemma3-vision) case_gemma3_vision ;;
    outetts) case_outetts ;;
    wavtokenizer) case_wavtokenizer ;;
    split) case_split ;;
    *) fail "unknown case '$CASE'" ;;
esac
log "PASS"
