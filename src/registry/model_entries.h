#pragma once
// The model list a registry starts from: every configured model (probed; a missing or broken file is kept
// with the reason, so that the user sees it) plus every servable file of the models directory that no
// configured entry names. Pure function of the config and the files.

#include <string>
#include <vector>

#include "core/model_spec.h"
#include "registry/model_catalog.h"

namespace hearth::registry {

struct ModelEntry {
    CatalogEntry catalog;
    core::ModelSpec spec;  // configured, or made from the scanned file (no options)
    bool configured = false;
    std::string probe_error;  // why the file cannot be served; empty when it can
};

struct EntryScan {
    std::vector<ModelEntry> entries;  // configured first (config order), then scanned (by id)
    std::vector<RejectedFile> rejected;
};

EntryScan collect_entries(const std::string& models_dir, const std::vector<core::ModelSpec>& configured);

}  // namespace hearth::registry
