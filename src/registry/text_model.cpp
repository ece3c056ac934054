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

}  // namespace

Result<std::shared_ptr<TextModel>> TextModel::load(const std::string& path, const TextModelOptions& options) {
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
    engine_options.n_ubatch = options.n_batch;
    engine_options.n_threads = options.n_threads > 0 ? options.n_threads : default_threads();
    auto engine = engine::LlamaTextEngine::load(engine_options);
    if (!engine) {
        return engine.error();
    }
    auto model = std::make_shared<TextModel>(Passkey{});
    model->engine_ = std::move(engine).value();
    sched::SchedulerConfig config;
    config.queue_capacity = options.queue_capacity;
    config.step_token_budget = options.n_batch;
    config.step_stretch = options.step_stretch;
    model->scheduler_ = std::make_unique<sched::TextScheduler>(*model->engine_, config);
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
