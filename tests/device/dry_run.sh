#!/usr/bin/env bash
# The GPU check's two scripts, dry-run here on the CPU so that they cannot rot between sessions that have a
# GPU: scripts/device-pack.sh packs (building hearth without FFmpeg, as for the GPU machine) into a scratch
# folder, then scripts/device-check.sh unpacks that pack to a scratch prefix and runs every phase but the
# CUDA build on test-size models. The summary must show each phase's result.
#
# usage: dry_run.sh SCRATCH_DIR
set -uo pipefail
cd "$(dirname "$0")/../.."
scratch=$1
rm -rf "$scratch" && mkdir -p "$scratch"
fail() { echo "device dry run: FAIL: $*" >&2; exit 1; }

HEARTH_DEVICE_PACK=$scratch/pack HEARTH_DEVICE_BUILD=$scratch/build scripts/device-pack.sh ||
    fail "device-pack.sh failed"
[ -s "$scratch/pack/pack.tar.xz" ] && grep -q '^sha256=' "$scratch/pack/manifest" || fail "no pack or manifest"
# The packed hearth has no FFmpeg: the GPU machine has none of its libraries.
! ldd "$scratch/build/src/cli/hearth" | grep -q libavcodec || fail "the packed hearth links FFmpeg"

out=$scratch/out
HEARTH_DEVICE_PACK=$scratch/pack HEARTH_DEVICE_WORK=$scratch/work HEARTH_DEVICE_PREFIX=$scratch/prefix \
    HEARTH_DEVICE_CPU_ONLY=1 HEARTH_DEVICE_BIG=tiny-qwen2 HEARTH_DEVICE_SMALL=tiny-qwen3 HEARTH_DEVICE_EMBED=tiny-bert \
    HEARTH_DEVICE_NP=2 HEARTH_DEVICE_CTX=512 HEARTH_DEVICE_LEVELS=1,2 HEARTH_DEVICE_OUTPUT_TOKENS=16 \
    HEARTH_DEVICE_EMBED_PER=1 HEARTH_DEVICE_PHASES=build,correct,bench,embed,speech,steps HEARTH_DEVICE_BUDGET=600 \
    OUT=$out bash scripts/device-check.sh >"$scratch/check.log" 2>&1 || { cat "$scratch/check.log"; fail "device-check.sh failed"; }

summary=$out/summary.md
expect() { grep -qE "$1" "$summary" || { cat "$summary"; fail "the summary lacks: $2"; }; }
expect '^- libwhisper \(GGML_USE_CUDA\) built' "libwhisper rebuilt from the carried sources"
expect 'tiny-qwen3-q4_k: 6/6 prompts give the same greedy text' "hearth's greedy text equal to llama-server's"
expect 'tiny-qwen2-q4_k: 6/6 prompts give the same greedy text' "the second model's greedy check"
expect '^\| 2 \| [0-9.]+ \| [0-9.]+ \| [0-9.]+x \|.*\| 0 / 0 \|$' "a chat level with both servers and no errors"
expect 'lowest cosine similarity (1\.0+|0\.99[0-9]+)$' "embeddings that agree"
expect '^\| 32 \| [0-9.]+ \| [0-9.]+ \|.*\| 0 / 0 \|$' "the embeddings level"
expect '^- hearth: [0-9.]+ s, [0-9]+ characters' "a transcription"
expect 'decode-only steps: [1-9][0-9]* steps' "hearth's step timings"
expect '^- done in [0-9]+ s$' "the end of the run"
for f in summary.md bench.db log.txt details.tar.gz; do [ -s "$out/$f" ] || fail "no $f in \$OUT"; done
[ "$(ls "$out" | wc -l)" -le 8 ] || fail "more than the 8 files the device tool brings back"
echo "device dry run: PASS ($(sed -n 's/^- done in //p' "$summary"))"
