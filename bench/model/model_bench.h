#pragma once
// The engine benchmark behind `hearth bench MODEL`, in the manner of llama.cpp's llama-bench: for every point
// of a sweep over load options, a ppN test (N pseudo-random prompt tokens decoded in batches of n_batch) and a
// tgN test (N tokens decoded one at a time, no sampling, so end-of-generation never stops it), each repeated
// and reported as tokens/s mean ± stddev. Measures an engine directly: no server, no scheduler.
// Thread contract: everything runs on the caller's thread (which becomes the engine's thread).

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "bench/model_run.h"
#include "engine/text_engine.h"
#include "util/result.h"

namespace hearth::bench {

struct ModelBenchConfig {
    std::string model_path;
    std::vector<int> n_prompt{512};  // 0 drops the pp tests
    std::vector<int> n_gen{128};     // 0 drops the tg tests
    int repetitions = 5;
    uint32_t seed = 1234;  // the prompt tokens' generator
    // Each list is one axis of the sweep (every combination runs).
    std::vector<int> threads{0};
    std::vector<int> n_batch{2048};
    std::vector<int> n_ubatch{512};
    std::vector<int> n_gpu_layers{99};
    std::vector<std::string> flash_attn{"auto"};
    std::vector<std::string> type_k{"f16"};
    std::vector<std::string> type_v{"f16"};
    std::vector<std::string> devices{""};
};

// INVALID_ARGUMENT naming the first bad value (the engine checks device names and cache types at load).
Result<void> validate(const ModelBenchConfig& config);
// Every combination of the option lists, in the order given (the last axis varies fastest).
std::vector<EngineSettings> sweep(const ModelBenchConfig& config);
// The pp tests (in order), then the tg tests.
std::vector<TestSpec> tests(const ModelBenchConfig& config);

// Progress of one test: repetition done (0 = warm-up done) of repetitions.
using ProgressFn = std::function<void(const TestSpec& test, int done, int repetitions)>;

// Runs one test on sequence 0 of an engine (which must hold test.tokens() positions): one untimed warm-up
// run, then `repetitions` timed ones, each from an empty cache. tokens_per_s and the summary are filled; the
// model and settings are the caller's to fill. Errors: the engine's.
Result<ModelRun> run_test(engine::TextEngine& engine, const TestSpec& test, int repetitions, std::mt19937& rng,
                          const ProgressFn& progress = {});

}  // namespace hearth::bench
