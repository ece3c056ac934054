#!/usr/bin/env bash
# House checks run by `make test` (see DEVELOPERS.md "House style"):
#   format   clang-format finds nothing to change in our C++ files
#   sizes    files <= 600 lines (tests <= 800)
#   layers   module boundaries: which folder may include which library
#   tidy     clang-tidy naming rules and functions <= 60 lines (.clang-tidy), over src/, tools/ and bench/
set -uo pipefail
cd "$(git rev-parse --show-toplevel 2>/dev/null || pwd)"

cpp_files() { git ls-files "$@" | grep -E '\.(h|hpp|cc|cpp)$'; }
fail=0
bad() { echo "style: $*"; fail=1; }

check_format() {
    local out
    out=$(cpp_files src tools bench tests | xargs -r clang-format --dry-run 2>&1 | grep -E 'warning|error' | head -20)
    [ -z "$out" ] || bad "clang-format would change (run 'make format'):"$'\n'"$out"
}

check_sizes() {
    while read -r n f; do
        [ "$f" = total ] && continue
        local limit=600
        case "$f" in tests/*) limit=800 ;; esac
        [ "$n" -le "$limit" ] || bad "$f has $n lines (limit $limit): split it by responsibility"
    done < <(cpp_files src tools bench tests | xargs -r wc -l)
}

# forbid FOLDER REGEX WHY: no file under FOLDER may include a header matching REGEX.
forbid() {
    local hits
    # shellcheck disable=SC2086 # $1 may hold several pathspecs
    hits=$(git ls-files -- $1 | xargs -r grep -nE "^#include [<\"]($2)" 2>/dev/null)
    [ -z "$hits" ] || bad "$3:"$'\n'"$hits"
}

check_layers() {
    forbid 'src/util' '(llama|whisper|ggml|gguf|mtmd|nlohmann|boost|core/|engine/|registry/|api/|http/|pull/|server/)' \
        "util depends on nothing"
    forbid 'src/core' '(llama|whisper|ggml|gguf|mtmd|nlohmann|boost|engine/|registry/|api/|http/|pull/|server/)' \
        "core holds internal types only: no JSON, no engines"
    forbid 'src/engine' '(nlohmann|boost|registry/|api/|http/|pull/|server/)' "the engine never sees JSON or HTTP"
    forbid 'src/sched' '(nlohmann|boost|llama\.h|whisper\.h|ggml|gguf|registry/|api/|http/|pull/|server/)' \
        "the scheduler drives engines through their interfaces: no JSON, HTTP or engine headers"
    forbid 'src/registry' '(nlohmann|boost|api/|http/|pull/|server/)' "registry sits below api and http"
    forbid 'src/api' '(boost|llama\.h|whisper\.h|ggml|gguf|mtmd|http/|pull/|server/)' "api is JSON <-> hearth types only"
    forbid 'src/http' '(nlohmann|llama|whisper|ggml|gguf|mtmd|core/|engine/|registry/|api/|pull/|server/)' \
        "HTTP never sees a model or OpenAI JSON"
    forbid 'src/pull' '(boost|llama|whisper|ggml|gguf|mtmd|engine/|sched/|registry/|api/|server/)' \
        "pull fetches files: hub JSON and HTTP transfers, no models, no OpenAI JSON"
    forbid 'src/client' '(boost|llama|whisper|ggml|gguf|mtmd|core/|engine/|sched/|registry/|api/|pull/|server/)' \
        "client talks to a server over HTTP only: no models, engines or server internals"
    forbid 'src/server' 'boost' "only src/http includes Boost.Beast"
    forbid 'src/cli' 'boost' "only src/http includes Boost.Beast"
    forbid 'bench :(exclude)bench/model' '(boost|llama|whisper|ggml|gguf|mtmd|core/|engine/|sched/|registry/|api/|server/)' \
        "bench/ measures servers over HTTP only (src/http's client): no engine, no server internals"
    forbid 'bench/model' '(boost|nlohmann|sched/|registry/|api/|http/|server/)' \
        "bench/model measures engines directly: no scheduler, server, HTTP or JSON"
    forbid 'src/api' 'engine/' "api does not call engines"
    local naked
    naked=$(git ls-files src tools bench | xargs -r grep -nE '(^|[^_[:alnum:]])(new [A-Za-z_:]+[({]|delete [a-z_]+;|malloc\(|free\()' |
        grep -v '^src/engine/c_handles.h' | grep -vE '//.*(new|delete)' | head -5)
    [ -z "$naked" ] || bad "naked new/delete/malloc/free outside engine/c_handles.h:"$'\n'"$naked"
}

check_tidy() {
    local build=${1:?build dir}
    [ -f "$build/compile_commands.json" ] || { bad "no $build/compile_commands.json"; return; }
    local files
    mapfile -t files < <(cpp_files src tools bench | grep -E '\.cpp$' | sed "s|^|$PWD/|")
    local out
    # The compile commands are GCC's: clang must not trip over GCC-only warning flags.
    out=$(run-clang-tidy -quiet -p "$build" -j "$(nproc)" -extra-arg=-Wno-unknown-warning-option "${files[@]}" 2>&1)
    if echo "$out" | grep -qE '(warning|error): '; then
        bad "clang-tidy:"$'\n'"$(echo "$out" | grep -E '(warning|error): ' | sort -u | head -40)"
    fi
}

case "${1:-}" in
    format) check_format ;;
    sizes) check_sizes ;;
    layers) check_layers ;;
    tidy) check_tidy "${2:-build}" ;;
    *) echo "usage: $0 format|sizes|layers|tidy [build-dir]"; exit 2 ;;
esac
[ "$fail" = 0 ] && echo "style ${1}: ok"
exit "$fail"
