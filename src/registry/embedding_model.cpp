#include "registry/embedding_model.h"

#include <algorithm>
#include <thread>

namespace hearth::registry {

Result<std::shared_ptr<EmbeddingModel>> EmbeddingModel::load(const std::string& id, const std::string& path,
                                                             const EmbeddingModelOptions& options,
                                                             std::shared_ptr<sched::VectorCache> cache) {
    engine::EmbeddingEngineOptions engine_options;
    engine_options.path = path;
    engine_options.n_batch = options.max_batch_tokens;
    engine_options.n_threads = options.n_threads > 0
                                   ? options.n_threads
                                   : static_cast<int32_t>(std::max(1u, std::thread::hardware_concurrency()));
    auto engine = engine::LlamaEmbeddingEngine::load(engine_options);
    if (!engine) {
        return engine.error();
    }
    auto model = std::make_shared<EmbeddingModel>(Passkey{});
    model->engine_ = std::move(engine).value();
    sched::EmbeddingSchedulerConfig config;
    config.queue_capacity = options.queue_capacity;
    config.max_batch_tokens = options.pass_tokens;
    config.batch_window = options.batch_window;
    config.cache_scope = id;
    model->scheduler_ = std::make_unique<sched::EmbeddingScheduler>(*model->engine_, config, std::move(cache));
    return model;
}

EmbeddingModel::~EmbeddingModel() {
    if (scheduler_) {
        scheduler_->stop();  // ends every request before the engine goes
    }
}

}  // namespace hearth::registry
