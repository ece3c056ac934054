#pragma once
// Process-wide engine set-up: loads the ggml backends (CPU, CUDA, ... as built), initialises llama.cpp, and
// routes llama.cpp / whisper.cpp / ggml logs into hearth's log. Create exactly one, in main, before any
// model is loaded; it must outlive every model.

#include <string>
#include <vector>

namespace hearth::engine {

struct BackendDevice {
    std::string name;
    std::string description;
    std::string type;  // "cpu", "gpu", "igpu", "accel"
    size_t memory_free = 0;
    size_t memory_total = 0;
};

class BackendGuard {
public:
    BackendGuard();
    ~BackendGuard();
    BackendGuard(const BackendGuard&) = delete;
    BackendGuard& operator=(const BackendGuard&) = delete;

    // The ggml backend devices this build can use, RPC ones ("rpc") once a model or `hearth devices --rpc`
    // attached them (thread-safe after construction). A remote device's memory is asked only with
    // `remote_memory`, right after its worker answered: ggml's RPC client ends the process if it is gone.
    static std::vector<BackendDevice> devices(bool remote_memory = false);
};

// Drops the engines' own log lines (ggml, gguf, llama.cpp, whisper.cpp) for command-line tools that report
// failures in one line of their own (e.g. a probe of a file that is not a model). No BackendGuard needed.
void silence_engine_logs();

// Engine version strings for /health and --version.
std::string engine_versions();

}  // namespace hearth::engine
