#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) and runs each for a fixed time.
#   tests/fuzz/run_fuzz.sh BUILD_DIR SECONDS_PER_TARGET DEPS_PREFIX
# FUZZ_RUNS=N in the environment also stops each target after N executions (whichever comes first);
# FUZZ_TARGETS="a b" runs only those targets; FUZZ_MAX_LEN sets the longest input (65536).
# The working corpus (BUILD_DIR/corpus/<target>) grows from run to run, seeded from tests/fuzz/corpus.
# A finding (crash, leak, sanitizer report, timeout) fails the run and leaves its input in
# BUILD_DIR/artifacts/; replay it with BUILD_DIR/fuzz_<target> <file>.
set -uo pipefail
build=${1:?build dir} seconds=${2:?seconds per target} prefix=${3:?deps prefix}
here=$(cd "$(dirname "$0")" && pwd)
command -v clang++ >/dev/null || { echo "fuzz: clang++ not found (scripts/deps.sh installs clang)"; exit 1; }

cmake -S "$here/targets" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
    -DHEARTH_DEPS_PREFIX="$prefix" >/dev/null || exit 1
cmake --build "$build" >/dev/null || { cmake --build "$build"; exit 1; }

fail=0
mkdir -p "$build/artifacts"
targets=${FUZZ_TARGETS:-chat_request completion_request embeddings_request rerank_request model_config audio_request \
    image_part speech_request router_path messages_request responses_request}
runs_flag=()
[ -n "${FUZZ_RUNS:-}" ] && runs_flag=(-runs="$FUZZ_RUNS")
for target in $targets; do
    corpus="$build/corpus/$target"
    mkdir -p "$corpus"
    log="$build/fuzz_$target.log"
    "$build/fuzz_$target" -max_total_time="$seconds" "${runs_flag[@]}" -timeout=10 -rss_limit_mb=2048 -max_len="${FUZZ_MAX_LEN:-65536}" \
        -print_final_stats=1 -artifact_prefix="$build/artifacts/$target-" "$corpus" "$here/corpus/$target" \
        >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1)
    if [ $rc -ne 0 ]; then
        echo "fuzz_$target: FINDING (exit $rc) after ${runs:-?} executions; see $log"
        grep -E 'ERROR|SUMMARY|runtime error' "$log" | head -5
        fail=1
    else
        took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log")
        echo "fuzz_$target: ${runs:-?} executions in ${took:-$seconds}s, ${cov:-cov: ?}, corpus $(ls "$corpus" | wc -l) inputs, no findings"
    fi
done
exit $fail
