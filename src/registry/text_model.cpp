#include "registry/text_model.h"

#include <algorithm>
#include <thread>

#include "engine/model_probe.h"
#include "util/log.h"

namespace hearth::registry {

namespace {

int32_t default_threads() {
    return static_cast<int32_t>(std::max(1u, std::thread::hardware_concurrency()));
}

// The draft model's engine: the target's sequences and context per slot (its sequence i shadows the target's),
// a batch that holds a row for every sequence, and its own placement. It must share the target's vocabulary.
Result<std::unique_ptr<engine::LlamaTextEngine>> load_draft(const TextModelOptions& options,
                                                            const engine::TextEngineOptions& target_options,
                                                            const engine::LlamaTextEngine& target) {
    engine::TextEngineOptions o = target_options;
    o.path = options.draft_path;
    o.n_ctx_per_slot = target.n_ctx_per_slot();
    o.n_batch = std::max(target_options.n_batch, target_options.n_slots);
    o.n_ubatch = o.n_batch;
    o.n_sampling_threads = 1;  // it never samples: drafts are argmaxes
    o.n_gpu_layers = options.draft_n_gpu_layers;
    o.device = options.draft_device.empty() ? target_options.device : options.draft_device;
    o.tensor_split.clear();
    o.split_mode = "layer";
    o.main_gpu = 0;
    o.type_k = "f16";
    o.type_v = "f16";
    o.mmproj.clear();
    o.progress = nullptr;
    auto draft = engine::LlamaTextEngine::load(o);
    if (!draft) {
        return make_error(draft.error().code, "draft model " + options.draft_path + ": " + draft.error().message);
    }
    if (auto shared = target.check_draft_vocab(**draft); !shared) {
        return make_error(shared.error().code, "draft model " + options.draft_path + ": " + shared.error().message);
    }
    return draft;
}

sched::SchedulerConfig scheduler_config(const TextModelOptions& options) {
    sched::SchedulerConfig config;
    config.queue_capacity = options.queue_capacity;
    config.step_token_budget = options.n_batch;
    config.step_stretch = options.step_stretch;
    config.burst_prefill = options.burst_prefill;
    config.prefill_order =
        options.prefill_order == "shortest" ? sched::PrefillOrder::SHORTEST : sched::PrefillOrder::FCFS;
    config.prompt_cache_bytes = static_cast<size_t>(std::max<int64_t>(options.prompt_cache_mib, 0)) << 20;
    config.lookup_draft_max = options.lookup_draft_max;
    config.draft_max = options.draft_max;
    config.draft.n_min = options.draft_min;
    config.draft.p_min = options.draft_p_min;
    config.draft_name = options.draft_path.empty() ? "" : options.draft_model;
    return config;
}

}  // namespace

TextModelOptions resolve_text_options(const TextModelOptions& defaults, const core::LoadOptions& o) {
    TextModelOptions out = defaults;
    out.n_slots = o.n_slots.value_or(out.n_slots);
    out.n_ctx_per_slot = o.n_ctx.value_or(out.n_ctx_per_slot);
    out.n_batch = o.n_batch.value_or(out.n_batch);
    out.n_ubatch = o.n_ubatch.value_or(out.n_ubatch);
    out.n_threads = o.n_threads.value_or(out.n_threads);
    out.n_gpu_layers = o.n_gpu_layers.value_or(out.n_gpu_layers);
    out.flash_attn = o.flash_attn.value_or(out.flash_attn);
    out.type_k = o.type_k.value_or(out.type_k);
    out.type_v = o.type_v.value_or(out.type_v);
    out.device = o.device.value_or(out.device);
    out.lookup_draft_max = o.lookup_draft_max.value_or(out.lookup_draft_max);
    out.draft_model = o.draft_model.value_or(out.draft_model);
    out.draft_max = o.draft_max.value_or(out.draft_max);
    out.draft_min = o.draft_min.value_or(out.draft_min);
    out.draft_p_min = o.draft_p_min.value_or(out.draft_p_min);
    out.draft_device = o.draft_device.value_or(out.draft_device);
    out.draft_n_gpu_layers = o.draft_n_gpu_layers.value_or(out.draft_n_gpu_layers);
    if (!o.tensor_split.empty()) {
        out.tensor_split = o.tensor_split;
    }
    if (!o.rpc.empty()) {
        out.rpc = o.rpc;
    }
    out.split_mode = o.split_mode.value_or(out.split_mode);
    out.main_gpu = o.main_gpu.value_or(out.main_gpu);
    return out;
}

Result<std::shared_ptr<TextModel>> TextModel::load(const std::string& path, const TextModelOptions& options,
                                                   std::function<void(float)> progress, const TextEngineWrapper& wrap) {
    auto info = engine::probe_model_file(path);
    if (!info) {
        return info.error();
    }
    engine::TextEngineOptions engine_options;
    engine_options.path = path;
    engine_options.n_slots = options.n_slots;
    engine_options.n_ctx_per_slot =
        info->context_length > 0 ? std::min<int32_t>(options.n_ctx_per_slot, static_cast<int32_t>(info->context_length))
                                 : options.n_ctx_per_slot;
    engine_options.n_batch = options.n_batch;
    engine_options.n_ubatch = options.n_ubatch > 0 ? std::min(options.n_ubatch, options.n_batch) : options.n_batch;
    engine_options.n_threads = options.n_threads > 0 ? options.n_threads : default_threads();
    engine_options.n_sampling_threads = options.n_sampling_threads;
    engine_options.n_gpu_layers = options.n_gpu_layers;
    engine_options.flash_attn = engine::flash_attn_from_name(options.flash_attn);
    engine_options.type_k = options.type_k;
    engine_options.type_v = options.type_v;
    engine_options.device = options.device;
    engine_options.tensor_split = options.tensor_split;
    engine_options.rpc = options.rpc;
    engine_options.split_mode = options.split_mode;
    engine_options.main_gpu = options.main_gpu;
    engine_options.mmproj = options.mmproj;
    engine_options.progress = std::move(progress);
    auto engine = engine::LlamaTextEngine::load(engine_options);
    if (!engine) {
        return engine.error();
    }
    auto model = std::make_shared<TextModel>(Passkey{});
    model->engine_ = std::move(engine).value();
    if (!options.draft_path.empty()) {
        auto draft = load_draft(options, engine_options, *model->engine_);
        if (!draft) {
            return draft.error();
        }
        model->draft_engine_ = std::move(draft).value();
    }
    if (wrap) {
        model->wrapper_ = wrap(*model->engine_);
    }
    engine::TextEngine& driven = model->wrapper_ ? *model->wrapper_ : *model->engine_;
    model->scheduler_ =
        std::make_unique<sched::TextScheduler>(driven, scheduler_config(options), model->draft_engine_.get());
    log::info("loaded {}: {} slots x {} tokens of context", path, model->engine_->n_slots(),
              model->engine_->n_ctx_per_slot());
    return model;
}

TextModel::~TextModel() {
    if (scheduler_) {
        scheduler_->stop();  // ends every request before the engine goes
    }
}

}  // namespace hearth::registry
