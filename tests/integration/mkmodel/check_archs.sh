#!/usr/bin/env bash
# Proves that hearth-mkmodel's models are real models: each architecture is generated at test size and then
# loaded and run by llama.cpp's and whisper.cpp's own reference tools (not by hearth), so a wrong tensor
# name, shape, type or metadata key fails here rather than somewhere deep in the server.
#
# usage: check_archs.sh MKMODEL DEPS_PREFIX SCRATCH_DIR CASE
#   CASE: llama | qwen2 | qwen3 | gemma3 | bert | rerank | whisper | determinism | block-pool | clip-mlp |
#         gemma3-vision | outetts | wavtokenizer | split | draft-pair
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

# shellcheck source=mkmodel_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/mkmodel_checks.sh"

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

# --inert-from: a target whose layers past the draft's add nothing says what the draft says, so llama.cpp's own
# speculative decoding (llama-server -md) accepts every drafted token; with --inert-scale they add a little, and
# the draft is accepted only in part. Untied: tied random models repeat one token, which any draft guesses.
case_draft_pair() {
    require_tool llama-server
    local common=(--preset tiny-qwen3 --type q8_0 --seed 13 --untied)
    generate "$WORK/draft.gguf" "${common[@]}" --layers 2
    generate "$WORK/target.gguf" "${common[@]}" --layers 8 --inert-from 2
    generate "$WORK/partial.gguf" "${common[@]}" --layers 8 --inert-from 2 --inert-scale 0.05
    generate "$WORK/plain.gguf" "${common[@]}" --layers 8
    local body='{"prompt": "The cat sat on the mat and", "n_predict": 48, "temperature": 0, "cache_prompt": false}'
    local model texts=()
    for model in draft target partial plain; do
        start_server "$WORK/$model.gguf" -np 1 -c 1024
        http_post_json "http://127.0.0.1:$PORT/completion" "$body" >"$WORK/$model.json" || fail "$model: /completion failed"
        texts+=("$(json_file_field "$WORK/$model.json" content)")
        stop_server
    done
    [ "${texts[0]}" = "${texts[1]}" ] || fail "the inert target says '${texts[1]}', its draft '${texts[0]}'"
    [ "${texts[0]}" != "${texts[2]}" ] || fail "the partial target says just what the draft says"
    [ "${texts[0]}" != "${texts[3]}" ] || fail "a target without inert layers says what the draft says"
    # Speculation with the pinned llama-server: all accepted for the inert target, some for the partial one.
    local accepted drafted
    for model in target partial; do
        start_server "$WORK/$model.gguf" -np 1 -c 1024 -md "$WORK/draft.gguf" --spec-type draft-simple \
            --spec-draft-n-max 8
        http_post_json "http://127.0.0.1:$PORT/completion" "$body" >"$WORK/$model-spec.json" ||
            fail "$model with the draft: /completion failed"
        stop_server
        drafted=$(json_file_field "$WORK/$model-spec.json" timings.draft_n)
        accepted=$(json_file_field "$WORK/$model-spec.json" timings.draft_n_accepted)
        [ "$(json_file_field "$WORK/$model-spec.json" content)" = "$(json_file_field "$WORK/$model.json" content)" ] ||
            fail "$model: speculation changed the greedy text"
        log "$model with the draft: $accepted of $drafted drafted tokens accepted"
        if [ "$model" = target ]; then
            [ "$drafted" -gt 0 ] && [ "$accepted" -eq "$drafted" ] || fail "target: $accepted of $drafted accepted"
        else
            [ "$accepted" -gt 0 ] && [ "$accepted" -lt "$drafted" ] || fail "partial: $accepted of $drafted accepted"
        fi
    done
    expect_usage_error "$WORK/bad.gguf" --preset tiny-qwen3 --inert-from 2 --layers 2
    expect_usage_error "$WORK/bad.gguf" --preset tiny-bert --inert-from 1
    expect_usage_error "$WORK/bad.gguf" --preset tiny-qwen3 --inert-scale 0.5
    expect_usage_error "$WORK/bad.gguf" --preset tiny-qwen3 --inert-from 1 --inert-scale 2
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
    draft-pair) case_draft_pair ;;
    *) fail "unknown case '$CASE'" ;;
esac
log "PASS"
