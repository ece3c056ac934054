#pragma once
// Runs a whole engine benchmark: identifies the model file, loads it once per sweep point (one sequence,
// a context just large enough for the longest test) and runs every test on it.
// Thread contract: blocks the caller; the engine's ggml backends must be set up (engine::BackendGuard) first.

#include <functional>
#include <string>

#include "bench/model/model_bench.h"
#include "bench/model_run.h"
#include "util/result.h"

namespace hearth::bench {

// Name, size, SHA-256 and what the GGUF header says (architecture, quantization). Reading the whole file for
// the digest takes a few seconds per GB. Errors: NOT_FOUND, INVALID_ARGUMENT (not a text-generation GGUF).
Result<ModelIdentity> identify_model(const std::string& path);

// The accelerators ggml can use, e.g. "CUDA0 NVIDIA H100 (80 GiB)"; empty when the CPU is all there is.
std::string describe_gpus();
// hearth's version, the engines' versions and the backends built in.
std::string describe_build();

struct ModelBenchHooks {
    ProgressFn progress;                                 // during a test
    std::function<void(const EngineSettings&)> loading;  // before each load
    std::function<void(const ModelRun&)> finished;       // after each test, e.g. to store it
};

// Errors: the model's identification, a load that fails (INVALID_ARGUMENT for a bad option value such as an
// unknown device or cache type, OUT_OF_MEMORY) or a decode that fails. Tests finished before an error have
// already been passed to hooks.finished.
Result<std::vector<ModelRun>> run_model_bench(const ModelBenchConfig& config, const ModelBenchHooks& hooks);

}  // namespace hearth::bench
