#!/usr/bin/env bash
# Fetches, verifies and builds hearth's engines (llama.cpp v0.5.0 and whisper.cpp 1.9.1 over ONE ggml)
# into a cache outside the repo, keyed by versions and build options, so a second build reuses it and a
# changed option rebuilds. No third-party source ever enters the repo.
#
#   scripts/deps.sh            install missing Debian packages, then build the engines if the key is new
#   scripts/deps.sh --prefix   print the prefix for the current options (builds nothing)
#   scripts/deps.sh --sources DIR   fetch, verify and unpack both source trees into DIR (builds nothing; for
#                               scripts/device-pack.sh, which carries them to a machine with no registry)
#
# Options (environment):
#   HEARTH_CACHE        cache root (default ~/.cache/hearth)
#   HEARTH_CUDA=1       CUDA build (GGML_CUDA=ON); HEARTH_CUDA_ARCHS (default 90)
#   HEARTH_CPU=all      (default) every x86 CPU variant as a backend module, the best one chosen at run time
#   HEARTH_CPU=native   one CPU backend for this machine's features only: builds about 3x faster (the key
#                       then includes the CPU flags)
#   HEARTH_JOBS         parallel compile jobs (default: nproc)
#   HEARTH_APT=0        install no Debian packages (a container build installs its own, fewer)
set -euo pipefail

LLAMA_PKG=node-llama-cpp@3.22.1
LLAMA_INTEGRITY='sha512-bltIipuWmc123H7tMIgDGKSsSrhmhlQYeVUC48XTjVW7XGJJiJJyCdlTMzQ/LiWoPkGDpcL4FviDpgw7qfTiDw=='
LLAMA_COMMIT=de3ff815ea7d559ee917f063901b8986f038abc6 # the squashed v0.5.0 commit inside the bundle
WHISPER_PKG=nodejs-whisper@0.3.1
WHISPER_INTEGRITY='sha512-ceoilUVraRuR5FnNyXpGQT2auAR48Oc3AQBEmkXnVpSn9iN6yVRzQBFCqVTGWbk6Wdi95NhvwXNzFvuR7erLWw=='
RECIPE=5 # bump when the build steps below change

CACHE=${HEARTH_CACHE:-$HOME/.cache/hearth}
CUDA=${HEARTH_CUDA:-0}
CUDA_ARCHS=${HEARTH_CUDA_ARCHS:-90}
CPU=${HEARTH_CPU:-all}
JOBS=${HEARTH_JOBS:-$(nproc)}

log() { printf '[deps] %s\n' "$*" >&2; }
die() { printf '[deps] error: %s\n' "$*" >&2; exit 1; }

cache_key() {
    local cpu_id=""
    [ "$CPU" = native ] && cpu_id=$(grep -m1 '^flags' /proc/cpuinfo | sha256sum | cut -c1-12)
    local cuda_id="cpu"
    [ "$CUDA" = 1 ] && cuda_id="cuda-$CUDA_ARCHS"
    printf '%s\n' "$LLAMA_PKG $LLAMA_INTEGRITY $WHISPER_PKG $WHISPER_INTEGRITY recipe=$RECIPE" \
        "cpu=$CPU/$cpu_id $cuda_id cxx=$(c++ -dumpfullversion 2>/dev/null || echo none)" |
        sha256sum | cut -c1-16
}

PREFIX="$CACHE/deps/$(cache_key)"
if [ "${1:-}" = "--prefix" ]; then echo "$PREFIX"; exit 0; fi

# Debian packages hearth and the engines need; installed only when missing.
APT_PKGS=(build-essential cmake ninja-build git ccache pkg-config openssl clang-format clang-tidy
          libboost1.81-dev libcli11-dev libspdlog-dev libsqlite3-dev libgtest-dev libgmock-dev libcurl4-openssl-dev
          libavformat-dev libavcodec-dev libswresample-dev libavutil-dev libavfilter-dev ffmpeg flite1-dev
          clang libclang-rt-14-dev prometheus python3-numpy tmux chromium nginx-light)
install_packages() {
    [ "${HEARTH_APT:-1}" = 0 ] && return 0
    local missing=()
    for p in "${APT_PKGS[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
    done
    # node and npm may come from outside Debian (NodeSource ships npm inside nodejs): check commands.
    command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
    [ ${#missing[@]} -eq 0 ] && return 0
    [ "$(id -u)" = 0 ] || die "missing Debian packages (run as root or install them): ${missing[*]}"
    log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q "${missing[@]}" >&2 || { apt-get update -q >&2 && apt-get install -y -q "${missing[@]}" >&2; }
}

# npm pack into the download cache, then check the tarball against the pinned sha512 integrity.
fetch_verified() {
    local spec=$1 integrity=$2 out=$3
    local name=${spec%@*} ver=${spec##*@}
    local tgz="$out/$name-$ver.tgz"
    mkdir -p "$out"
    if [ ! -f "$tgz" ]; then
        log "fetching $spec from the npm registry"
        (cd "$out" && npm pack --silent "$spec" >/dev/null)
    fi
    local got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
    if [ "$got" != "$integrity" ]; then
        rm -f "$tgz"
        die "$spec: integrity mismatch (got $got, pinned $integrity)"
    fi
    echo "$tgz"
}

unpack_sources() {
    local src=$1
    rm -rf "$src" && mkdir -p "$src/tmp"
    local ltgz wtgz
    ltgz=$(fetch_verified "$LLAMA_PKG" "$LLAMA_INTEGRITY" "$CACHE/downloads")
    wtgz=$(fetch_verified "$WHISPER_PKG" "$WHISPER_INTEGRITY" "$CACHE/downloads")
    tar -xzf "$ltgz" -C "$src/tmp" package/llama/gitRelease.bundle
    git -c advice.detachedHead=false clone -q "$src/tmp/package/llama/gitRelease.bundle" "$src/llama.cpp"
    [ "$(git -C "$src/llama.cpp" rev-parse HEAD)" = "$LLAMA_COMMIT" ] || die "llama.cpp bundle is not commit $LLAMA_COMMIT"
    tar -xzf "$wtgz" -C "$src/tmp" package/cpp/whisper.cpp
    mv "$src/tmp/package/cpp/whisper.cpp" "$src/whisper.cpp"
    rm -rf "$src/tmp"
}

common_cmake_args() {
    local args=(-G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON "-DCMAKE_INSTALL_PREFIX=$PREFIX"
        -DCMAKE_BUILD_WITH_INSTALL_RPATH=ON '-DCMAKE_INSTALL_RPATH=$ORIGIN;$ORIGIN/../lib')
    command -v ccache >/dev/null && args+=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    printf '%s\n' "${args[@]}"
}

ggml_args() {
    if [ "$CPU" = all ]; then echo -DGGML_NATIVE=OFF; echo -DGGML_BACKEND_DL=ON; echo -DGGML_CPU_ALL_VARIANTS=ON
    else echo -DGGML_NATIVE=ON; fi
    # ggml RPC: `hearth rpc-worker` serves this host's devices and a model's `rpc` list spreads layers over them.
    echo -DGGML_RPC=ON
    if [ "$CUDA" = 1 ]; then
        echo -DGGML_CUDA=ON; echo "-DCMAKE_CUDA_ARCHITECTURES=$CUDA_ARCHS"; echo -DGGML_CUDA_NCCL=OFF
        [ -x /usr/local/cuda/bin/nvcc ] && echo -DCMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc
        if [ ! -e /usr/lib/x86_64-linux-gnu/libcuda.so.1 ] && [ -e /usr/local/cuda/lib64/stubs/libcuda.so ]; then
            # No driver on this build machine: link against the stub (see shared/notes/engine-build.md).
            mkdir -p "$BUILD/stubs" && ln -sf /usr/local/cuda/lib64/stubs/libcuda.so "$BUILD/stubs/libcuda.so.1"
            echo "-DCMAKE_EXE_LINKER_FLAGS=-Wl,-rpath-link,$BUILD/stubs"
            echo "-DCMAKE_SHARED_LINKER_FLAGS=-Wl,-rpath-link,$BUILD/stubs"
        fi
    fi
}

# Reference tools (llama-server, llama-bench, llama-completion, llama-tokenize, whisper-cli, whisper-bench,
# whisper-server) are built from the same trees for differential tests and side-by-side benchmarks; they
# land in $PREFIX/tools and are never installed with hearth.
LLAMA_TOOLS=(llama-server llama-bench llama-completion llama-tokenize)
WHISPER_TOOLS=(whisper-cli whisper-bench whisper-server)

build_llama() {
    local src=$1 b="$BUILD/llama"
    mapfile -t common < <(common_cmake_args)
    mapfile -t ggml < <(ggml_args)
    cmake -S "$src/llama.cpp" -B "$b" "${common[@]}" "${ggml[@]}" -DLLAMA_BUILD_IS_DEV=OFF \
        -DLLAMA_BUILD_COMMON=ON -DLLAMA_BUILD_MTMD=ON -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON \
        -DLLAMA_TOOLS_INSTALL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF \
        -DLLAMA_OPENSSL=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_UI=OFF >&2
    cmake --build "$b" -j "$JOBS" --target llama llama-common mtmd "${LLAMA_TOOLS[@]}" >&2
    cmake --install "$b" >&2
    # common's headers are not installed upstream; hearth uses its chat templates and grammars.
    local inc="$PREFIX/include/llama-common"
    mkdir -p "$inc/jinja" "$inc/parsers" "$PREFIX/tools" "$PREFIX/bin"
    cp "$src/llama.cpp/common/"*.h "$inc/"
    cp "$src/llama.cpp/common/"*.hpp "$inc/" 2>/dev/null || true
    cp "$src/llama.cpp/common/jinja/"*.h "$inc/jinja/"
    cp "$src/llama.cpp/common/parsers/"*.h "$inc/parsers/" 2>/dev/null || true
    cp -r "$src/llama.cpp/vendor/nlohmann" "$PREFIX/include/" # the json version common was built with
    for t in "${LLAMA_TOOLS[@]}"; do cp "$b/bin/$t" "$PREFIX/tools/"; done
    # Backend modules (CPU variants, CUDA when dynamic) install to bin/; ggml also searches the executable's
    # folder, so the reference tools get them beside them. hearth loads them from bin/ by path.
    find "$PREFIX/bin" -maxdepth 1 -name 'libggml-*.so' -exec cp {} "$PREFIX/tools/" \;
    # Tools are thin executables over libllama-<tool>-impl.so libraries that live beside them.
    find "$b/bin" -maxdepth 1 -name 'libllama-*-impl.so*' -exec cp -P {} "$PREFIX/tools/" \;
    # Real vocabularies and chat templates for the model generator.
    mkdir -p "$PREFIX/share/llama.cpp"
    cp -r "$src/llama.cpp/models" "$PREFIX/share/llama.cpp/"
}

build_whisper() {
    local src=$1 b="$BUILD/whisper"
    mapfile -t common < <(common_cmake_args)
    local extra=()
    [ "$CUDA" = 1 ] && extra+=(-DCMAKE_CXX_FLAGS=-DGGML_USE_CUDA)
    # Pass 1: the library alone, installed. Pass 2: the same tree with examples on, building only the
    # reference tools (examples install unconditionally upstream, so they must not be on for pass 1).
    cmake -S "$src/whisper.cpp" -B "$b" "${common[@]}" "${extra[@]}" "-DCMAKE_PREFIX_PATH=$PREFIX" \
        -DWHISPER_USE_SYSTEM_GGML=ON -DWHISPER_BUILD_TESTS=OFF -DWHISPER_BUILD_EXAMPLES=OFF \
        -DWHISPER_BUILD_SERVER=OFF >&2
    cmake --build "$b" -j "$JOBS" >&2
    cmake --install "$b" >&2
    cmake -S "$src/whisper.cpp" -B "$b" -DWHISPER_BUILD_EXAMPLES=ON -DWHISPER_BUILD_SERVER=ON >&2
    cmake --build "$b" -j "$JOBS" --target "${WHISPER_TOOLS[@]}" >&2
    for t in "${WHISPER_TOOLS[@]}"; do cp "$b/bin/$t" "$PREFIX/tools/"; done
    cp "$src/whisper.cpp/samples/jfk.wav" "$PREFIX/share/" 2>/dev/null || true
}

# ggml's sapphirerapids CPU variant runs AMX tile instructions. On some virtual machines the CPU reports AMX
# and the kernel grants it, yet tile loads fault once a thread has computed a graph before (seen here: SIGILL
# in tinygemm_kernel_amx on a 2-core Sapphire Rapids guest, in llama-bench, llama-server, whisper-cli and
# hearth alike, on Q8_0 weights). Its score ranks it first on any AMX CPU, so it is set aside (renamed: ggml
# loads only *.so) and the zen4 variant (AVX-512 with VNNI and BF16, no AMX) serves instead, for hearth and
# the reference tools alike. HEARTH_CPU_AMX=1 puts it back.
set_cpu_variants() {
    local f
    for f in "$PREFIX/bin/libggml-cpu-sapphirerapids.so" "$PREFIX/tools/libggml-cpu-sapphirerapids.so"; do
        if [ "${HEARTH_CPU_AMX:-0}" = 1 ]; then
            if [ -f "$f.off" ]; then mv "$f.off" "$f"; fi
        elif [ -f "$f" ]; then
            mv "$f" "$f.off"
        fi
    done
}

main() {
    install_packages
    if [ -f "$PREFIX/.complete" ]; then
        set_cpu_variants
        log "engines up to date in $PREFIX"
        echo "$PREFIX"
        return
    fi
    # Sources and build trees sit at the same paths whatever the key, so ccache reuses objects across keys;
    # a lock keeps two builds from sharing them at once.
    mkdir -p "$CACHE"
    exec 9>"$CACHE/work.lock"
    flock 9
    if [ -f "$PREFIX/.complete" ]; then
        set_cpu_variants
        log "engines built meanwhile in $PREFIX"
        echo "$PREFIX"
        return
    fi
    local t0=$SECONDS src="$CACHE/work/src"
    BUILD="$CACHE/work/build"
    log "building engines into $PREFIX (cpu=$CPU cuda=$CUDA jobs=$JOBS)"
    rm -rf "$PREFIX" "$BUILD" && mkdir -p "$PREFIX/bin"
    unpack_sources "$src"
    export CCACHE_BASEDIR="$CACHE"
    build_llama "$src"
    build_whisper "$src"
    printf 'llama.cpp %s (%s)\nwhisper.cpp %s\ncpu=%s cuda=%s archs=%s\nbuilt %s in %ss\n' \
        "$LLAMA_PKG" "$LLAMA_COMMIT" "$WHISPER_PKG" "$CPU" "$CUDA" "$CUDA_ARCHS" "$(date -u +%FT%TZ)" \
        "$((SECONDS - t0))" >"$PREFIX/BUILD-INFO"
    rm -rf "$BUILD" "$src"
    set_cpu_variants
    touch "$PREFIX/.complete"
    log "engines built in $((SECONDS - t0))s"
    echo "$PREFIX"
}
if [ "${1:-}" = "--sources" ]; then
    [ -n "${2:-}" ] || die "--sources needs a folder"
    unpack_sources "$2"
    exit 0
fi
main "$@"
