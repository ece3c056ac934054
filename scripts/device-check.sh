#!/usr/bin/env bash
# The GPU check: one run on the lent GPU machine (the device tool), from the repo root there, over what
# scripts/device-pack.sh packed here into .device/ (31 MiB with a CUDA module built here, 14 without):
#
#   device.run  carry=[".device"]  command="bash scripts/device-check.sh"  timeout_s=600
#
# Phases (HEARTH_DEVICE_PHASES), each skipped when less of HEARTH_DEVICE_BUDGET (s, default 540) is left
# than it needs; measured on an H200, a whole run with a carried module takes about 6 minutes:
#   build    unpack the prefix to the absolute path it was built at (sha256 checked); install the carried
#            CUDA module, or build ggml's CUDA backend module for this GPU's architecture from the carried,
#            verified llama.cpp sources on all cores (returned in $OUT in 15 MiB parts), and libwhisper with
#            GGML_USE_CUDA; meanwhile generate the models (8B with --block-pool: seconds, not minutes)
#   correct  greedy completions of hearth equal llama-server's on the GPU, both models, cache_prompt off
#   bench    llama-3.1-8b Q4_K chat at c=1/16/64, llama-server and hearth one after the other per level
#   open     open loop: Poisson arrivals at 0.8/1.2/1.8 x llama-server's top closed-loop rate, with SLOs
#   bsamp    llama-server --backend-sampling (its GPU sampling, not its default) at the top level
#   embed    bge-small embeddings agree (cosine) and run at c=32 on both servers
#   speech   a transcription through hearth on the GPU, and whisper-cli's
#   steps    hearth with its debug step lines at the top level, --batch-size 512 and 2048: where time goes
#   split    the small model's layers 3:1 over the GPU and a `hearth rpc-worker` serving the CPU on loopback
#            (ggml RPC): its placement, and its greedy text against the model on the GPU alone
# Writes $OUT/summary.md (the tables and the ratios), $OUT/bench.db (SQLite rows of every level),
# $OUT/log.txt and $OUT/details.tar.gz (each level's JSON, the servers' logs, the build logs): the device
# tool brings back 8 files at most. Build outputs and models stay in .device-work/ (git-ignored), so a rerun
# on a still-warm machine skips what is done. tests/device/dry_run.sh runs it on the CPU in `make test`.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${OUT:-/tmp/hearth-device-out}
BUDGET=${HEARTH_DEVICE_BUDGET:-540}
PHASES=${HEARTH_DEVICE_PHASES:-build,correct,bench,open,bsamp,embed,speech,steps,split}
CPU_ONLY=${HEARTH_DEVICE_CPU_ONLY:-0} # 1: a dry run without a GPU (no CUDA module, -ngl 0), e.g.
# HEARTH_DEVICE_CPU_ONLY=1 HEARTH_DEVICE_PREFIX=/tmp/p HEARTH_DEVICE_BIG=qwen2.5-0.5b HEARTH_DEVICE_SMALL=tiny-qwen2 \
#   HEARTH_DEVICE_NP=4 HEARTH_DEVICE_LEVELS=1,4 scripts/device-check.sh
NP=${HEARTH_DEVICE_NP:-64}
CTX=${HEARTH_DEVICE_CTX:-768}
BIG=${HEARTH_DEVICE_BIG:-llama-3.1-8b}
SMALL=${HEARTH_DEVICE_SMALL:-qwen2.5-0.5b}
LEVELS=${HEARTH_DEVICE_LEVELS:-1,16,64}
OUTPUT_TOKENS=${HEARTH_DEVICE_OUTPUT_TOKENS:-128}
EMBED=${HEARTH_DEVICE_EMBED:-bge-small} # the embedding preset
PACK=${HEARTH_DEVICE_PACK:-$ROOT/.device} # what device-pack.sh wrote
WORK=${HEARTH_DEVICE_WORK:-$ROOT/.device-work}
APP=$WORK/app
MODELS=$WORK/models
D=$WORK/out # details, packed into $OUT/details.tar.gz at the end
rm -rf "$D"
mkdir -p "$OUT" "$WORK" "$MODELS" "$D"
SUMMARY=$OUT/summary.md
exec > >(tee -a "$OUT/log.txt") 2>&1
T0=$SECONDS
NCPU=$(nproc)

say() { printf '[%4ds] %s\n' "$((SECONDS - T0))" "$*"; }
note() { printf '%s\n' "$*" >>"$SUMMARY"; say "$*"; }
left() { echo $((BUDGET - (SECONDS - T0))); }
want() { [[ ",$PHASES," == *",$1,"* ]]; }
# enough N: at least N seconds of the budget are left (else the phase is skipped, and the summary says so)
enough() { [ "$(left)" -ge "$1" ] || { note "- skipped $2: $(left) s left, needs $1"; return 1; }; }

unpack() {
    [ -f "$PACK/manifest" ] || { note "no $PACK/manifest: run scripts/device-pack.sh here and carry .device"; exit 2; }
    # Where the prefix was built here: hearth finds its backend modules there. HEARTH_DEVICE_PREFIX moves it
    # for a dry run on the machine that built it (never over an engines cache: those hold .complete).
    PREFIX=${HEARTH_DEVICE_PREFIX:-$(sed -n 's/^prefix=//p' "$PACK/manifest")}
    [ ! -f "$PREFIX/.complete" ] || { note "$PREFIX is this machine's engine cache: set HEARTH_DEVICE_PREFIX"; exit 2; }
    local sum
    sum=$(sed -n 's/^sha256=//p' "$PACK/manifest")
    if [ -f "$WORK/unpacked" ] && [ "$(cat "$WORK/unpacked")" = "$sum" ]; then
        say "pack $sum already unpacked"
        return
    fi
    [ "$(sha256sum "$PACK/pack.tar.xz" | cut -d' ' -f1)" = "$sum" ] || { note "pack.tar.xz: sha256 mismatch"; exit 2; }
    rm -rf "$WORK/stage" "$APP" "$WORK/src" "$WORK/cuda-build" "$WORK/whisper-build" "$WORK/whisper-done" "$PREFIX" &&
        mkdir -p "$WORK/stage" "$PREFIX"
    # Python's lzma: the GPU machine's image may lack the xz tool.
    python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), sys.stdout.buffer)' \
        "$PACK/pack.tar.xz" | tar -C "$WORK/stage" -xf - || { note "cannot unpack pack.tar.xz"; exit 2; }
    cp -a "$WORK/stage/prefix/." "$PREFIX/" && mv "$WORK/stage/app" "$APP" && mv "$WORK/stage/src" "$WORK/src"
    rm -rf "$WORK/stage" "$WORK/cuda-done"
    echo "$sum" >"$WORK/unpacked"
    say "unpacked to $PREFIX and $APP"
}

cuda_arch() { nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d '. '; }

# ggml's CUDA backend as a loadable module, from the same llama.cpp tree and ggml options as the CPU build
# (GGML_BACKEND_DL: the module plugs into the carried libggml-base), plus libwhisper with GGML_USE_CUDA.
build_cuda() {
    [ -f "$WORK/cuda-done" ] && { say "CUDA module already built"; return 0; }
    if [ -f "$APP/libggml-cuda.so" ]; then
        install -m 755 "$APP/libggml-cuda.so" "$PREFIX/bin/" && install -m 755 "$APP/libggml-cuda.so" "$PREFIX/tools/"
        if "$APP/bin/hearth" devices 2>&1 | grep -q CUDA; then
            touch "$WORK/cuda-done"
            note "- CUDA module: carried (built with nvcc from the same tree)"
            return 0
        fi
        note "- the carried CUDA module does not load here ($(ldd "$PREFIX/bin/libggml-cuda.so" | grep -c 'not found') libraries not found): building it"
        rm -f "$PREFIX/bin/libggml-cuda.so" "$PREFIX/tools/libggml-cuda.so"
    fi
    local arch b=$WORK/cuda-build t=$SECONDS
    arch=$(cuda_arch)
    cmake -S "$WORK/src/llama.cpp" -B "$b" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON \
        -DGGML_BACKEND_DL=ON -DGGML_NATIVE=OFF -DGGML_CPU_ALL_VARIANTS=ON -DGGML_CUDA=ON \
        "-DCMAKE_CUDA_ARCHITECTURES=${arch}-real" -DGGML_CUDA_NCCL=OFF -DLLAMA_BUILD_COMMON=OFF \
        -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
        -DLLAMA_BUILD_APP=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
        >"$D/cuda-configure.log" 2>&1 || { note "- CUDA configure failed (cuda-configure.log)"; return 1; }
    timeout "$(left)" cmake --build "$b" -j "$NCPU" --target ggml-cuda >"$WORK/cuda-build.log" 2>&1 ||
        { tail -40 "$WORK/cuda-build.log" >"$D/cuda-build-tail.log"; note "- CUDA build failed"; return 1; }
    install -m 755 "$b/bin/libggml-cuda.so" "$PREFIX/bin/" && install -m 755 "$b/bin/libggml-cuda.so" "$PREFIX/tools/"
    touch "$WORK/cuda-done"
    note "- CUDA module (sm_$arch) built in $((SECONDS - t)) s on $NCPU cores"
    # Back in 15 MiB parts (the tool returns 8 files of 16 MiB at most), so that a later run on a fresh
    # machine can carry it: cat the parts into a file, then scripts/device-pack.sh --cuda-module FILE.
    [ "$(stat -c %s "$b/bin/libggml-cuda.so")" -le $((60 << 20)) ] &&
        split -b 15M -d "$b/bin/libggml-cuda.so" "$OUT/libggml-cuda.so.part"
}

build_whisper_cuda() {
    local b=$WORK/whisper-build t=$SECONDS
    [ -f "$WORK/whisper-done" ] && return 0
    cmake -S "$WORK/src/whisper.cpp" -B "$b" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON \
        "-DCMAKE_PREFIX_PATH=$PREFIX" -DWHISPER_USE_SYSTEM_GGML=ON -DCMAKE_CXX_FLAGS=-DGGML_USE_CUDA \
        -DWHISPER_BUILD_TESTS=OFF -DWHISPER_BUILD_EXAMPLES=OFF -DWHISPER_BUILD_SERVER=OFF \
        >"$D/whisper-configure.log" 2>&1 &&
        cmake --build "$b" -j "$NCPU" --target whisper >"$WORK/whisper-build.log" 2>&1 ||
        { note "- libwhisper with GGML_USE_CUDA: build failed, the carried CPU-configured one serves"; return 1; }
    cp -P "$b"/bin/libwhisper.so* "$PREFIX/lib/" || { note "- libwhisper with GGML_USE_CUDA: not found in its build"; return 1; }
    touch "$WORK/whisper-done"
    note "- libwhisper (GGML_USE_CUDA) built in $((SECONDS - t)) s"
}

mkmodel() { # PRESET TYPE THREADS [EXTENSION [ARGS...]]
    local f=$MODELS/$1-$2.${4:-gguf} preset=$1 type=$2 threads=$3
    shift $(($# < 4 ? $# : 4))
    [ -f "$f" ] && return 0
    "$APP/bin/hearth-mkmodel" --preset "$preset" --type "$type" --threads "$threads" --vocab-dir "$APP/vocab" \
        --whisper-vocab-dir "$APP/whisper-vocab" "$@" -o "$f.tmp" >"$WORK/mkmodel-$preset.log" 2>&1 && mv "$f.tmp" "$f"
}

make_models() {
    local t=$SECONDS threads=$((NCPU > 2 ? NCPU - 2 : 1)) # leaves room for a CUDA build, if any
    mkmodel "$SMALL" q4_k "$threads" && mkmodel "$EMBED" f16 "$threads" && mkmodel whisper-tiny f16 "$threads" bin &&
        mkmodel "$BIG" q4_k "$threads" gguf --block-pool || { echo "model generation failed" >"$WORK/models-failed"; return 1; }
    say "models generated in $((SECONDS - t)) s"
}

export LD_LIBRARY_PATH=$APP/rtlib:/usr/local/cuda/lib64:/usr/local/cuda/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
NGL=999
declare -A PIDS URLS

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_up() { # LABEL SECONDS
    probe wait --url "${URLS[$1]}" --pid "${PIDS[$1]}" --seconds "$2" && return 0
    note "- $1 did not come up (log: $1.log)"
    tail -30 "$D/$1.log" >&2
    return 1
}

# HTTP threads above the open loop's 256 requests in flight: llama-server's default is n_parallel + 4.
start_llama() { # LABEL MODEL_FILE [ARGS...]
    local label=$1 file=$2 port
    shift 2
    port=$(free_port)
    URLS[$label]=http://127.0.0.1:$port
    "$PREFIX/tools/llama-server" --host 127.0.0.1 --port "$port" -m "$file" -a "$(basename "$file" .gguf)" \
        -ngl "$NGL" -fit off -t "$THREADS" --threads-http 260 "$@" >"$D/$label.log" 2>&1 &
    PIDS[$label]=$!
}

start_hearth() { # LABEL [ARGS...]: every generated model, loaded on first use; HEARTH_LOG_LEVEL=debug logs steps
    local label=$1 port
    shift
    port=$(free_port)
    URLS[$label]=http://127.0.0.1:$port
    "$APP/bin/hearth" --log-level "${HEARTH_LOG_LEVEL:-info}" serve --host 127.0.0.1 --port "$port" --models-dir "$MODELS" --threads "$THREADS" \
        --queue-size 2048 "$@" >"$D/$label.log" 2>&1 &
    PIDS[$label]=$!
}

stop() {
    local l
    for l in "$@"; do
        [ -n "${PIDS[$l]:-}" ] || continue
        kill "${PIDS[$l]}" 2>/dev/null && wait "${PIDS[$l]}" 2>/dev/null
        unset "PIDS[$l]"
    done
}
cleanup() {
    for l in "${!PIDS[@]}"; do kill "${PIDS[$l]}" 2>/dev/null; done
    cp "$WORK"/*.log "$D/" 2>/dev/null
    tar -C "$D" -czf "$OUT/details.tar.gz" . 2>/dev/null
}
trap cleanup EXIT

probe() { python3 "$ROOT/scripts/device_probe.py" "$@"; }

check_greedy() { # MODEL
    local name=$1-q4_k
    start_llama "llama-$1" "$MODELS/$name.gguf" -np 4 -c $((4 * CTX))
    wait_up "llama-$1" 120 || return 1
    probe greedy --a "${URLS[llama-$1]}" --b "${URLS[hearth]}" --model "$name" --prompts 6 --max-tokens 48 \
        --out "$D/greedy-$1.json" >>"$SUMMARY" || say "greedy $1: differences (greedy-$1.json)"
    stop "llama-$1"
}

bench_levels() { # MODEL ENDPOINT LEVELS REQUESTS_PER_CONCURRENCY [bench args...]: servers interleaved per level
    local model=$1 endpoint=$2 levels=$3 per=$4 level label seed=$((RANDOM * 16))
    shift 4
    for level in ${levels//,/ }; do
        seed=$((seed + 1))
        for label in llama hearth; do
            timeout "$(left)" "$APP/bin/hearth" bench serve --url "${URLS[$label]}" -m "$model" --endpoint "$endpoint" \
                -c "$level" -n $((level * per > 8 ? level * per : 8)) --server-pid "${PIDS[$label]}" --label "$label" \
                --prompt-seed "$seed" --output-tokens "$OUTPUT_TOKENS" --db "$OUT/bench.db" --json "$@" \
                >"$D/$endpoint-$label-c$level.json" ||
                say "bench $label c=$level: some requests failed"
        done
    done
}

phase_correct() {
    note "## Greedy outputs, hearth against llama-server, both on the GPU"
    check_greedy "$SMALL"
    check_greedy "$BIG"
}

phase_bench() {
    note "## $BIG Q4_K chat, $NP slots x $CTX, ~256 prompt / $OUTPUT_TOKENS output tokens, greedy"
    start_llama llama "$MODELS/$BIG-q4_k.gguf" -np "$NP" -c $((NP * CTX))
    wait_up llama 120 && probe warm --url "${URLS[llama]}" --model "$BIG-q4_k" &&
        probe warm --url "${URLS[hearth]}" --model "$BIG-q4_k" &&
        bench_levels "$BIG-q4_k" chat "$LEVELS" 3 &&
        probe table --dir "$D" --endpoint chat >>"$SUMMARY"
}

# Open loop against the llama-server phase_bench started: three rates around what it sustained closed-loop.
phase_open() {
    local rates r label
    rates=$(probe rates --dir "$D" --endpoint chat)
    note "## Open loop, Poisson arrivals at $rates req/s (0.8, 1.2 and 1.8 x llama-server's rate at its top closed-loop level), SLO TTFT <= 1000 ms, TPOT <= 50 ms"
    for r in ${rates//,/ }; do
        for label in llama hearth; do
            timeout "$(left)" "$APP/bin/hearth" bench serve --url "${URLS[$label]}" -m "$BIG-q4_k" -c "$NP" \
                --request-rate "$r" --max-concurrency 256 --output-tokens "$OUTPUT_TOKENS" -n "$(python3 -c "print(max(32, int($r * 12)))")" \
                --slo-ttft 1000 --slo-tpot 50 --time-limit 30 --server-pid "${PIDS[$label]}" --label "$label-open" \
                --db "$OUT/bench.db" --json >"$D/open-$label-r$r.json" || true
        done
    done
    probe open --dir "$D" >>"$SUMMARY"
}

# llama-server's own GPU sampling (--backend-sampling, off by default) at the top level: its best case.
phase_backend_sampling() {
    local top=${LEVELS##*,}
    note "## llama-server --backend-sampling (GPU-side sampling, not its default) at c=$top"
    start_llama llama "$MODELS/$BIG-q4_k.gguf" -np "$NP" -c $((NP * CTX)) --backend-sampling
    wait_up llama 120 && probe warm --url "${URLS[llama]}" --model "$BIG-q4_k" || return 1
    timeout "$(left)" "$APP/bin/hearth" bench serve --url "${URLS[llama]}" -m "$BIG-q4_k" -c "$top" \
        -n $((top * 3)) --output-tokens "$OUTPUT_TOKENS" --server-pid "${PIDS[llama]}" --label llama-bs --prompt-seed $((RANDOM * 16 + 7)) \
        --db "$OUT/bench.db" --json >"$D/bs-llama-c$top.json" || true
    probe level --file "$D/bs-llama-c$top.json" --label "llama-server -bs" >>"$SUMMARY"
}

phase_embed() {
    note "## $EMBED f16 embeddings, c=32"
    start_llama llama "$MODELS/$EMBED-f16.gguf" --embeddings -np 32 -c $((32 * 512)) -b 8192 -ub 8192
    wait_up llama 60 && probe embed --a "${URLS[llama]}" --b "${URLS[hearth]}" --model "$EMBED-f16" >>"$SUMMARY" &&
        bench_levels "$EMBED-f16" embeddings 32 "${HEARTH_DEVICE_EMBED_PER:-16}" --input-tokens 128 &&
        probe table --dir "$D" --endpoint embeddings >>"$SUMMARY"
    stop llama
}

# Where a step's time goes at the top level: hearth again with its debug step lines (decode + prompt tokens,
# total and sampling ms), at its default step size and at 2048 tokens (llama-server's default n_batch).
phase_steps() {
    local top=${LEVELS##*,} batch
    note "## hearth's scheduler steps at c=$top ($BIG, debug log)"
    stop hearth
    for batch in 512 2048; do
        HEARTH_LOG_LEVEL=debug start_hearth "steps-b$batch" --np "$NP" --ctx-size "$CTX" --batch-size "$batch"
        wait_up "steps-b$batch" 60 && probe warm --url "${URLS[steps-b$batch]}" --model "$BIG-q4_k" || return 1
        timeout "$(left)" "$APP/bin/hearth" bench serve --url "${URLS[steps-b$batch]}" -m "$BIG-q4_k" -c "$top" \
            -n $((top * 2)) --output-tokens "$OUTPUT_TOKENS" --label "hearth-b$batch" --prompt-seed $((RANDOM * 16 + 9)) --db "$OUT/bench.db" \
            --json >"$D/steps-b$batch.json" || true
        stop "steps-b$batch"
        probe level --file "$D/steps-b$batch.json" --label "hearth --batch-size $batch" >>"$SUMMARY"
        probe steps --log "$D/steps-b$batch.log" >>"$SUMMARY"
        grep -v '\] \[debug\] engine:' "$D/steps-b$batch.log" >"$D/steps-b$batch.log.tmp" && mv "$D/steps-b$batch.log.tmp" "$D/steps-b$batch.log"
    done
}

phase_speech() {
    note "## Transcription, whisper-tiny f16 on the GPU"
    probe speech --url "${URLS[hearth]}" --model whisper-tiny-f16 --audio "$APP/jfk.wav" \
        --cli "$PREFIX/tools/whisper-cli" --file "$MODELS/whisper-tiny-f16.bin" >>"$SUMMARY"
}

phase_split() {
    note "## $SMALL Q4_K split 3:1 over the GPU and an RPC worker (the CPU, on loopback)"
    local port
    port=$(free_port)
    "$APP/bin/hearth" rpc-worker --port "$port" --device CPU --threads "$THREADS" >"$D/rpc-worker.log" 2>&1 &
    PIDS[rpc]=$!
    sleep 2
    start_hearth hearth-split --np 4 --ctx-size "$CTX" --rpc "127.0.0.1:$port" --tensor-split 3,1
    wait_up hearth-split 60 || { stop rpc; return 1; }
    probe greedy --a "${URLS[hearth]}" --b "${URLS[hearth-split]}" --model "$SMALL-q4_k" --prompts 4 --max-tokens 48 \
        --out "$D/greedy-split.json" >>"$SUMMARY" || say "split: differences from the GPU alone (greedy-split.json)"
    note "- placement: $(curl -s "${URLS[hearth-split]}/v1/models/$SMALL-q4_k" | python3 -c \
        'import json,sys; print(json.load(sys.stdin).get("placement"))')"
    stop hearth-split rpc
}

setup() {
    note "# hearth GPU check $(date -u +%FT%TZ)"
    note "- machine: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo 'no GPU'), $NCPU cores"
    note "- nvcc: $(nvcc --version 2>/dev/null | tail -1)"
    note "- pack: $(sed -n 's/^packed=//p' "$PACK/manifest" 2>/dev/null)"
    unpack
    THREADS=$((NCPU < 8 ? NCPU : 8))
    make_models &
    local models_pid=$!
    if [ "$CPU_ONLY" = 1 ]; then
        NGL=0
        note "- CPU-only dry run: no CUDA module, no offload"
        want build && build_whisper_cuda
    elif want build; then
        build_cuda || exit 1
        build_whisper_cuda
    fi
    wait "$models_pid" || { note "- model generation failed"; cat "$WORK"/mkmodel-*.log; exit 1; }
    note "- devices: $("$APP/bin/hearth" devices 2>&1 | tr '\n' ';')"
    if [ "$CPU_ONLY" != 1 ] && ! "$APP/bin/hearth" devices 2>&1 | grep -q CUDA; then
        note "- no CUDA device in ggml: nothing to measure (libggml-cuda.so's libraries:)"
        ldd "$PREFIX/bin/libggml-cuda.so" >>"$SUMMARY" 2>&1
        exit 1
    fi
}

main() {
    setup
    start_hearth hearth --np "$NP" --ctx-size "$CTX"
    wait_up hearth 60 || exit 1
    want correct && enough 60 "greedy correctness" && phase_correct
    if want bench && enough 120 "LLM benchmark"; then
        phase_bench
        want open && enough 90 "open loop" && phase_open
        stop llama
        want bsamp && enough 60 "llama-server --backend-sampling" && phase_backend_sampling
        stop llama
    fi
    want embed && enough 40 "embeddings benchmark" && phase_embed
    want speech && enough 20 "transcription" && phase_speech
    want steps && want bench && enough 70 "step timings" && phase_steps
    want split && enough 45 "GPU + RPC split" && phase_split
    grep -h 'CUDA\|offload\|flash\|sampling threads' "$D/hearth.log" | head -40 >"$D/hearth-gpu-lines.log"
    note "- done in $((SECONDS - T0)) s"
}
main
