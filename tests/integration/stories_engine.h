#pragma once
// The real stories260K files (shared/models) as text engines, for integration tests: where the models are
// and how a test loads one.

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "engine/backend.h"
#include "engine/llama_text_engine.h"

namespace hearth::testing {

// Tests find models through HEARTH_MODELS, defaulting to the directory the build was configured with.
inline std::string models_dir() {
    const char* env = std::getenv("HEARTH_MODELS");
    return env != nullptr && *env != '\0' ? env : HEARTH_TEST_MODELS;
}

inline const std::string STORIES_F32 = models_dir() + "/stories260K/stories260K-f32.gguf";
inline const std::string STORIES_CHATML = models_dir() + "/stories260K/stories260K-q8_0-chatml.gguf";
inline constexpr int32_t STORIES_N_CTX = 256;

// Process-wide, before any model (main does the same); it also routes llama.cpp's log into hearth's.
inline void ensure_backend() {
    static engine::BackendGuard backend;
}

// One compute thread by default: a tiny model; spinning worker threads only hurt on a shared machine.
inline std::unique_ptr<engine::LlamaTextEngine> load_stories(const std::string& path, int32_t n_slots = 1,
                                                             int32_t n_threads = 1, int32_t n_sampling_threads = 0) {
    ensure_backend();
    engine::TextEngineOptions options;
    options.path = path;
    options.n_slots = n_slots;
    options.n_ctx_per_slot = STORIES_N_CTX;
    options.n_batch = 64;
    options.n_ubatch = 64;
    options.n_threads = n_threads;
    options.n_sampling_threads = n_sampling_threads;
    auto engine = engine::LlamaTextEngine::load(options);
    if (!engine) {
        ADD_FAILURE() << "load " << path << ": " << engine.error().message;
        return nullptr;
    }
    return std::move(engine).value();
}

}  // namespace hearth::testing
