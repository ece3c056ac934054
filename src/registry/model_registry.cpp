#include "registry/model_registry.h"

#include <algorithm>

#include "util/log.h"

namespace hearth::registry {

ModelRegistry::ModelRegistry(const std::string& models_dir, TextModelOptions text_options,
                             EmbeddingModelOptions embedding_options)
    : models_dir_(models_dir),
      text_options_(text_options),
      embedding_options_(embedding_options),
      cache_(std::make_shared<sched::VectorCache>(embedding_options.cache_entries)) {
    rescan();
}

ModelRegistry::~ModelRegistry() {
    unload_all();
}

void ModelRegistry::rescan() {
    CatalogScan scan = scan_models_dir(models_dir_);
    if (!scan.error.empty()) {
        log::warn("{}", scan.error);
    }
    for (const RejectedFile& file : scan.rejected) {
        log::info("not serving {}: {}", file.path, file.reason);
    }
    std::vector<ModelStatus> models;
    models.reserve(scan.models.size());
    for (CatalogEntry& entry : scan.models) {
        log::info("model {} ({}, {}, {}) from {}", entry.id, core::to_string(entry.info.kind), entry.info.architecture,
                  entry.info.quantization, entry.info.path);
        models.push_back({std::move(entry), ModelState::UNLOADED, {}, std::nullopt, std::nullopt});
    }
    std::lock_guard lock(mutex_);
    for (ModelStatus& fresh : models) {  // a model that stays keeps its lifecycle state
        if (const ModelStatus* old = find_locked(fresh.entry.id);
            old != nullptr && old->entry.info.path == fresh.entry.info.path) {
            fresh.state = old->state;
            fresh.last_error = old->last_error;
        }
    }
    models_ = std::move(models);
    rejected_ = std::move(scan.rejected);
}

std::vector<ModelStatus> ModelRegistry::list() const {
    std::lock_guard lock(mutex_);
    std::vector<ModelStatus> out;
    out.reserve(models_.size());
    for (const ModelStatus& m : models_) {
        out.push_back(snapshot_locked(m));
    }
    return out;
}

std::optional<ModelStatus> ModelRegistry::find(const std::string& id) const {
    std::lock_guard lock(mutex_);
    auto it = std::find_if(models_.begin(), models_.end(), [&](const ModelStatus& m) { return m.entry.id == id; });
    if (it == models_.end()) {
        return std::nullopt;
    }
    return snapshot_locked(*it);
}

ModelStatus ModelRegistry::snapshot_locked(const ModelStatus& model) const {
    ModelStatus out = model;
    if (auto it = loaded_.find(model.entry.id); it != loaded_.end()) {
        if (it->second.text) {
            out.slots = it->second.text->scheduler().stats();
        }
        if (it->second.embedding) {
            out.embedding = it->second.embedding->scheduler().stats();
        }
    }
    return out;
}

std::vector<RejectedFile> ModelRegistry::rejected() const {
    std::lock_guard lock(mutex_);
    return rejected_;
}

}  // namespace hearth::registry

namespace hearth::registry {

ModelStatus* ModelRegistry::find_locked(const std::string& id) {
    auto it = std::find_if(models_.begin(), models_.end(), [&](const ModelStatus& m) { return m.entry.id == id; });
    return it == models_.end() ? nullptr : &*it;
}

Result<std::shared_ptr<TextModel>> ModelRegistry::acquire_text(const std::string& id) {
    auto loaded = acquire(id, core::ModelKind::LLM, "a text-generation model");
    if (!loaded) {
        return loaded.error();
    }
    return loaded->text;
}

Result<std::shared_ptr<EmbeddingModel>> ModelRegistry::acquire_embedding(const std::string& id, core::ModelKind kind) {
    auto loaded = acquire(id, kind, kind == core::ModelKind::RERANK ? "a rerank model" : "an embedding model");
    if (!loaded) {
        return loaded.error();
    }
    return loaded->embedding;
}

Result<ModelRegistry::Loaded> ModelRegistry::acquire(const std::string& id, core::ModelKind kind,
                                                     std::string_view what) {
    std::unique_lock lock(mutex_);
    ModelStatus* model = find_locked(id);
    if (model == nullptr) {
        return make_error(ErrorCode::MODEL_NOT_FOUND, "The model '" + id + "' does not exist", "model");
    }
    if (model->entry.info.kind != kind) {
        return make_error(ErrorCode::UNSUPPORTED,
                          "The model '" + id + "' is a " + std::string(core::to_string(model->entry.info.kind)) +
                              " model, not " + std::string(what),
                          "model");
    }
    // Another request is loading it: wait for that load rather than starting a second one.
    state_changed_.wait(lock, [&] {
        model = find_locked(id);
        return model == nullptr || model->state != ModelState::LOADING;
    });
    if (model == nullptr) {
        return make_error(ErrorCode::MODEL_NOT_FOUND, "The model '" + id + "' was removed", "model");
    }
    if (model->state == ModelState::READY) {
        return loaded_.at(id);
    }
    if (model->state == ModelState::FAILED) {
        return make_error(ErrorCode::MODEL_NOT_READY, "The model '" + id + "' failed to load: " + model->last_error);
    }
    return load_locked(lock, *model);
}

Result<ModelRegistry::Loaded> ModelRegistry::load_model(const CatalogEntry& entry) const {
    Loaded loaded;
    if (entry.info.kind == core::ModelKind::LLM) {
        auto text = TextModel::load(entry.info.path, text_options_);
        if (!text) {
            return text.error();
        }
        loaded.text = std::move(text).value();
        return loaded;
    }
    // The path scopes the cache too: a different file under the same name never answers from the old one.
    auto embedding =
        EmbeddingModel::load(entry.id + "\n" + entry.info.path, entry.info.path, embedding_options_, cache_);
    if (!embedding) {
        return embedding.error();
    }
    loaded.embedding = std::move(embedding).value();
    return loaded;
}

// Loads with the lock released (a load takes seconds; other models keep serving), then publishes the result.
Result<ModelRegistry::Loaded> ModelRegistry::load_locked(std::unique_lock<std::mutex>& lock, ModelStatus& model) {
    const CatalogEntry entry = model.entry;
    const std::string& id = entry.id;
    model.state = ModelState::LOADING;
    lock.unlock();
    log::info("loading model {} from {}", id, entry.info.path);
    auto loaded = load_model(entry);
    lock.lock();
    ModelStatus* now = find_locked(id);
    if (now != nullptr) {
        now->state = loaded ? ModelState::READY : ModelState::FAILED;
        now->last_error = loaded ? "" : loaded.error().message;
    }
    if (loaded) {
        loaded_[id] = *loaded;
    } else {
        log::error("model {} failed to load: {}", id, loaded.error().message);
    }
    state_changed_.notify_all();
    if (!loaded) {
        return make_error(ErrorCode::MODEL_NOT_READY,
                          "The model '" + id + "' failed to load: " + loaded.error().message);
    }
    return loaded;
}

void ModelRegistry::unload_all() {
    std::map<std::string, Loaded> models;
    {
        std::lock_guard lock(mutex_);
        models.swap(loaded_);
        for (ModelStatus& m : models_) {
            if (m.state == ModelState::READY) {
                m.state = ModelState::UNLOADED;
            }
        }
    }
    for (auto& [id, model] : models) {
        if (model.text) {
            model.text->scheduler().stop();
        }
        if (model.embedding) {
            model.embedding->scheduler().stop();
        }
    }
}

}  // namespace hearth::registry
