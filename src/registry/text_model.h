#pragma once
// A loaded text-generation model: the llama.cpp engine and the scheduler thread that owns its context.
// Shared by the registry and every request using it (shared_ptr): it is freed when the last user lets go.
// The engine's thread-safe queries (tokenize, chat template) may be used from any thread.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/model_spec.h"
#include "engine/llama_text_engine.h"
#include "sched/text_scheduler.h"
#include "util/result.h"

namespace hearth::registry {

struct TextModelOptions {
    int32_t n_slots = 4;             // parallel sequences
    int32_t n_ctx_per_slot = 4096;   // capped at the model's training context
    int32_t n_batch = 512;           // tokens per step: generating sequences first, then prefill chunks
    int32_t n_ubatch = 0;            // tokens per compute pass; 0: n_batch
    int32_t n_threads = 0;           // 0: one per core
    int32_t n_sampling_threads = 0;  // 0: the engine's choice (engine::TextEngineOptions)
    int32_t n_gpu_layers = -1;       // -1: all of them when there is a GPU
    std::string flash_attn = "auto";
    std::string type_k = "f16";
    std::string type_v = "f16";
    std::string device;                  // comma-separated local devices; empty: every local GPU
    std::vector<std::string> rpc;        // rpc-worker endpoints (engine::TextEngineOptions::rpc)
    std::string split_mode = "layer";    // none, layer, row
    int32_t main_gpu = 0;                // split_mode none: the offload device's index
    std::vector<float> tensor_split;     // empty: llama.cpp's split
    size_t queue_capacity = 64;          // requests waiting for a slot; beyond it, 429
    double step_stretch = 2.0;           // a step with prompt tokens takes at most this x a decode-only step
    bool burst_prefill = true;           // a burst's streams wait for its prompts (sched::SchedulerConfig)
    std::string prefill_order = "fcfs";  // "fcfs" or "shortest" (sched::SchedulerConfig::prefill_order)
    int32_t lookup_draft_max = 0;        // prompt lookup for requests that do not say (sched::SchedulerConfig)
    // Host memory for conversations whose slot went to another prompt (sched::PromptCache), MiB. -1: as
    // much as the model's KV cache, which the registry resolves before loading (TextModel::load itself
    // reads -1 as none); 0: none.
    int64_t prompt_cache_mib = -1;
    std::string mmproj;  // the model's projector file; empty: text only
    // Speculative decoding with a draft model (core::LoadOptions): as configured (a model name or a path; empty:
    // none), its file (the registry resolves draft_model to it), and its settings.
    std::string draft_model;
    std::string draft_path;
    int32_t draft_max = core::DEFAULT_DRAFT_MAX;
    int32_t draft_min = 0;
    float draft_p_min = 0.0f;
    std::string draft_device;         // empty: as device
    int32_t draft_n_gpu_layers = -1;  // -1: every layer on the GPU when there is one
};

// Stands between a text model's scheduler and its engine (tests: e.g. to make decodes fail as a broken
// device would); returns the engine the scheduler drives, which forwards to `real`.
using TextEngineWrapper = std::function<std::unique_ptr<engine::TextEngine>(engine::TextEngine& real)>;

// The server's defaults with a model's configured options on top.
TextModelOptions resolve_text_options(const TextModelOptions& defaults, const core::LoadOptions& options);

class TextModel {
    struct Passkey {
        explicit Passkey() = default;
    };

public:
    // progress (0..1) is called from the loading thread while the weights are read.
    static Result<std::shared_ptr<TextModel>> load(const std::string& path, const TextModelOptions& options,
                                                   std::function<void(float)> progress = {},
                                                   const TextEngineWrapper& wrap = {});
    explicit TextModel(Passkey /*only load() constructs*/) {}
    ~TextModel();
    TextModel(const TextModel&) = delete;
    TextModel& operator=(const TextModel&) = delete;

    engine::LlamaTextEngine& engine() { return *engine_; }
    bool has_draft() const { return draft_engine_ != nullptr; }
    sched::TextScheduler& scheduler() { return *scheduler_; }

private:
    std::unique_ptr<engine::LlamaTextEngine> engine_;        // first: outlives the scheduler that borrows it
    std::unique_ptr<engine::LlamaTextEngine> draft_engine_;  // the draft model; borrowed by the scheduler too
    std::unique_ptr<engine::TextEngine> wrapper_;            // when set, what the scheduler drives
    std::unique_ptr<sched::TextScheduler> scheduler_;
};

}  // namespace hearth::registry
