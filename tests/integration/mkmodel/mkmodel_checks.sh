# The helpers of check_archs.sh: generating a model, running llama.cpp's and whisper.cpp's reference tools on
# it, and the checks of their answers. Sourced by check_archs.sh, which sets MKMODEL, TOOLS, WORK, CASE, SHARED,
# DIGEST, TOOL_TIMEOUT, THREADS and SERVER_PID first.
# shellcheck shell=bash

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

# json_file_field FILE PATH: the value at a dotted PATH ("timings.draft_n") of the JSON file, printed as is.
json_file_field() {
    node -e '
        let v = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        for (const k of process.argv[2].split(".")) { v = v === undefined ? undefined : v[k]; }
        process.stdout.write(v === undefined ? "" : String(v));' "$1" "$2" || fail "cannot read $2 from $1"
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
