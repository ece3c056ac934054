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
    bool builtin = false;     // the built-in voice: no file
    std::string probe_error;  // why the file cannot be served; empty when it can
};

struct EntryScan {
    std::vector<ModelEntry> entries;  // configured first (config order), then scanned (by id)
    std::vector<RejectedFile> rejected;
};

// builtin_voice: also list the built-in speech model (BUILTIN_VOICE_ID, flite's voices) unless a configured
// model takes its name.
EntryScan collect_entries(const std::string& models_dir, const std::vector<core::ModelSpec>& configured,
                          bool builtin_voice = false);

// The built-in speech model's id and architecture.
inline constexpr const char* BUILTIN_VOICE_ID = "flite";

}  // namespace hearth::registry
