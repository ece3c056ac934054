#pragma once
// A loaded text-generation model: the llama.cpp engine and the scheduler thread that owns its context.
// Shared by the registry and every request using it (shared_ptr): it is freed when the last user lets go.
// The engine's thread-safe queries (tokenize, chat template) may be used from any thread.

#include <memory>
#include <string>

#include "engine/llama_text_engine.h"
#include "sched/text_scheduler.h"
#include "util/result.h"

namespace hearth::registry {

struct TextModelOptions {
    int32_t n_slots = 4;            // parallel sequences
    int32_t n_ctx_per_slot = 4096;  // capped at the model's training context
    int32_t n_batch = 512;          // tokens per step: generating sequences first, then prefill chunks
    int32_t n_threads = 0;          // 0: one per core
    size_t queue_capacity = 64;     // requests waiting for a slot; beyond it, 429
    double step_stretch = 2.0;      // a step with prompt tokens takes at most this x a decode-only step
};

class TextModel {
    struct Passkey {
        explicit Passkey() = default;
    };

public:
    static Result<std::shared_ptr<TextModel>> load(const std::string& path, const TextModelOptions& options);
    explicit TextModel(Passkey /*only load() constructs*/) {}
    ~TextModel();
    TextModel(const TextModel&) = delete;
    TextModel& operator=(const TextModel&) = delete;

    engine::LlamaTextEngine& engine() { return *engine_; }
    sched::TextScheduler& scheduler() { return *scheduler_; }

private:
    std::unique_ptr<engine::LlamaTextEngine> engine_;  // first: outlives the scheduler that borrows it
    std::unique_ptr<sched::TextScheduler> scheduler_;
};

}  // namespace hearth::registry
