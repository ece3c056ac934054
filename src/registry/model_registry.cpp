#include "registry/model_registry.h"

#include <algorithm>

#include "util/log.h"

namespace hearth::registry {

ModelRegistry::ModelRegistry(const std::string& models_dir) : models_dir_(models_dir) {
    rescan();
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
        models.push_back({std::move(entry), ModelState::UNLOADED, {}});
    }
    std::lock_guard lock(mutex_);
    models_ = std::move(models);
    rejected_ = std::move(scan.rejected);
}

std::vector<ModelStatus> ModelRegistry::list() const {
    std::lock_guard lock(mutex_);
    return models_;
}

std::optional<ModelStatus> ModelRegistry::find(const std::string& id) const {
    std::lock_guard lock(mutex_);
    auto it = std::find_if(models_.begin(), models_.end(), [&](const ModelStatus& m) { return m.entry.id == id; });
    if (it == models_.end()) {
        return std::nullopt;
    }
    return *it;
}

std::vector<RejectedFile> ModelRegistry::rejected() const {
    std::lock_guard lock(mutex_);
    return rejected_;
}

}  // namespace hearth::registry
