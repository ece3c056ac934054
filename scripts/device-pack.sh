#!/usr/bin/env bash
# Packs, here, what scripts/device-check.sh needs on the lent GPU machine into .device/ (git-ignored; the
# device tool's `carry` takes it along):
#   pack.tar.xz   the engines' prefix as built here (libllama, libmtmd, libwhisper, ggml and its CPU modules,
#                 the reference tools llama-server and whisper-cli), hearth and hearth-mkmodel, the Debian
#                 libraries they link that the GPU machine's image lacks, the vocabularies the generator needs,
#                 and the verified llama.cpp and whisper.cpp sources of the parts that machine builds itself
#   manifest      where the prefix must sit there (hearth finds its backend modules by that absolute path),
#                 and the archive's sha256
# Why not build everything there: that machine has no package registry, so hearth's Debian build
# dependencies (Boost, CLI11, spdlog, SQLite, FFmpeg) cannot be installed on it. Nothing of hearth or of
# libllama is CUDA code: they reach the GPU through ggml's backend interface, and the one CUDA part, ggml's
# CUDA backend module (with libwhisper, which picks CUDA settings at compile time), is built there from the
# same pinned, hash-checked sources on its 16 cores.
#
#   scripts/device-pack.sh [--cuda-module FILE]   FILE: a libggml-cuda.so built from the same tree (e.g. here,
#                                                 with nvcc), carried so the GPU machine skips that build
set -euo pipefail
cd "$(dirname "$0")/.."

cuda_module=""
while [ $# -gt 0 ]; do
    case "$1" in
        --cuda-module) cuda_module=$(realpath "$2"); shift 2 ;;
        *) echo "device-pack: unknown option $1 (see the header of this script)" >&2; exit 2 ;;
    esac
done

make -s deps
prefix=$(scripts/deps.sh --prefix)
[ -f "$prefix/.complete" ] || { echo "device-pack: engines not built in $prefix" >&2; exit 1; }
# hearth without FFmpeg (WAVE uploads only): FFmpeg's libraries pull in some 130 others, 54 MB compressed,
# and the GPU machine has none of them. No tests: they run here, with `make test`.
build=${HEARTH_DEVICE_BUILD:-build-device}
shared_models=${HEARTH_MODELS:-$(realpath ../shared/models)}
launcher=""
command -v ccache >/dev/null && launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "-DHEARTH_DEPS_PREFIX=$prefix" -DHEARTH_FFMPEG=OFF \
    -DHEARTH_BUILD_TESTS=OFF "-DHEARTH_SHARED_MODELS=$shared_models" $launcher >/dev/null
cmake --build "$build" -j "${JOBS:-$(nproc)}" --target hearth hearth-mkmodel >/dev/null
out=${HEARTH_DEVICE_PACK:-.device} # HEARTH_DEVICE_PACK: elsewhere (the dry-run test)
mkdir -p "$out"
out=$(realpath "$out")
stage=$out/stage
rm -rf "$stage" "$out/pack.tar.xz" "$out/manifest"
mkdir -p "$stage/app/bin" "$stage/app/rtlib" "$stage/app/vocab/templates" "$stage/src" "$stage/prefix"

# The prefix without what no run there reads: the vocabularies (copied selectively below), the AMX CPU
# variant set aside by deps.sh, and the reference tools other than llama-server and whisper-cli. Headers and
# CMake files stay: libwhisper is rebuilt there against this ggml.
tar -C "$prefix" --exclude=./share --exclude=./.complete --exclude='*.off' --exclude='./tools/llama-bench' --exclude='./tools/llama-completion' \
    --exclude='./tools/llama-tokenize' --exclude='./tools/whisper-bench' --exclude='./tools/whisper-server' \
    --exclude='./tools/libllama-bench-impl.so' --exclude='./tools/libllama-completion-impl.so' \
    --exclude=./include/llama-common --exclude=./include/nlohmann -cf - . | tar -C "$stage/prefix" -xf -
# The tools' copies of the CPU modules: links to bin/'s (ggml reads the folder of the executable).
for f in "$stage/prefix/tools"/libggml-cpu-*.so; do
    cmp -s "$f" "$stage/prefix/bin/$(basename "$f")" && ln -sf "../bin/$(basename "$f")" "$f"
done
cp "$build/src/cli/hearth" "$build/tools/mkmodel/hearth-mkmodel" "$stage/app/bin/"

# The generator's vocabularies and templates for the presets device-check.sh makes, and Whisper's.
models=$prefix/share/llama.cpp/models
for v in llama-bpe qwen2 bert-bge; do cp "$models/ggml-vocab-$v.gguf" "$stage/app/vocab/"; done
cp "$models"/templates/*.jinja "$stage/app/vocab/templates/"
cp -r "$shared_models/whisper-vocab" "$stage/app/whisper-vocab"
cp "$shared_models/audio/jfk.wav" "$stage/app/"

# Libraries outside the prefix that the carried programs link, less the C and C++ runtimes (the GPU
# machine's own, newer ones serve, and its CUDA-built module needs its own libstdc++).
collect_libraries() {
    find "$stage/prefix" "$stage/app/bin" -type f \( -name '*.so*' -o -perm -u+x \) -print0 |
        xargs -0 ldd 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | sort -u |
        grep -vE "^($prefix|$stage)/|/(ld-linux|libc|libm|libpthread|libdl|librt|libstdc\+\+|libgcc_s|libcuda)[.-]" || true
}
collect_libraries | while read -r lib; do cp -L "$lib" "$stage/app/rtlib/"; done

# Sources for the CUDA parts: only the folders their CMake projects read.
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
scripts/deps.sh --sources "$src"
mkdir -p "$stage/src/llama.cpp" "$stage/src/whisper.cpp"
# ggml's other backends' folders are read only when those backends are on.
other_backends=$(find "$src/llama.cpp/ggml/src" -mindepth 1 -maxdepth 1 -type d -name 'ggml-*' \
    ! -name ggml-cuda ! -name ggml-cpu -printf '--exclude=ggml/src/%f\n')
# shellcheck disable=SC2086 # one --exclude per word
tar -C "$src/llama.cpp" $other_backends -cf - CMakeLists.txt cmake ggml src include vendor LICENSE |
    tar -C "$stage/src/llama.cpp" -xf -
tar -C "$src/whisper.cpp" -cf - CMakeLists.txt cmake src include LICENSE bindings/javascript/package-tmpl.json |
    tar -C "$stage/src/whisper.cpp" -xf -
if [ -n "$cuda_module" ]; then
    cp "$cuda_module" "$stage/app/libggml-cuda.so"
fi

strip --strip-unneeded "$stage/app/bin/"* 2>/dev/null || true
tar -C "$stage" -cf - . | xz -T0 -6 >"$out/pack.tar.xz"
{
    echo "prefix=$prefix"
    echo "sha256=$(sha256sum "$out/pack.tar.xz" | cut -d' ' -f1)"
    echo "packed=$(date -u +%FT%TZ) commit=$(git rev-parse --short HEAD)$(git diff --quiet || echo +changes)"
} >"$out/manifest"
rm -rf "$stage"
size=$(stat -c %s "$out/pack.tar.xz")
echo "device-pack: $out/pack.tar.xz $((size / 1048576)) MiB; carry .device (limit 64 MiB with the tree)"
[ "$size" -lt $((56 * 1048576)) ] || { echo "device-pack: too large to carry" >&2; exit 1; }
