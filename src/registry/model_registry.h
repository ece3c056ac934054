#pragma once
// The set of models this server knows, with their lifecycle state. Built from a models-directory scan.
// Thread-safe: every method may be called from any thread; snapshots are returned by value.

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "registry/model_catalog.h"
#include "registry/model_state.h"

namespace hearth::registry {

struct ModelStatus {
    CatalogEntry entry;
    ModelState state = ModelState::UNLOADED;
    std::string last_error;
};

class ModelRegistry {
public:
    explicit ModelRegistry(const std::string& models_dir);

    // Re-reads the models directory; models that vanished are dropped, new files are added.
    void rescan();

    std::vector<ModelStatus> list() const;
    std::optional<ModelStatus> find(const std::string& id) const;
    std::vector<RejectedFile> rejected() const;
    const std::string& models_dir() const { return models_dir_; }

private:
    const std::string models_dir_;
    mutable std::mutex mutex_;
    // guarded by mutex_
    std::vector<ModelStatus> models_;
    std::vector<RejectedFile> rejected_;
};

}  // namespace hearth::registry
