#include "registry/model_entries.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "engine/model_probe.h"
#include "util/log.h"

namespace hearth::registry {

namespace {

std::string canonical(const std::string& path) {
    std::error_code ec;
    auto resolved = std::filesystem::weakly_canonical(path, ec);
    return ec ? path : resolved.string();
}

ModelEntry configured_entry(const core::ModelSpec& spec) {
    ModelEntry entry;
    entry.configured = true;
    entry.spec = spec;
    entry.catalog.id = spec.name;
    entry.catalog.info.path = spec.path;
    entry.catalog.mmproj = spec.mmproj;
    entry.catalog.vocoder = spec.vocoder;
    entry.catalog.speakers = spec.speakers;
    auto info = engine::probe_model_file(spec.path);
    if (!info) {
        entry.probe_error = info.error().message;
        entry.catalog.info.kind = spec.kind.value_or(core::ModelKind::LLM);
        return entry;
    }
    entry.catalog.info = std::move(*info);
    std::error_code ec;
    const auto modified = std::filesystem::last_write_time(spec.path, ec);
    if (!ec) {
        entry.catalog.created_unix = std::chrono::duration_cast<std::chrono::seconds>(
                                         std::chrono::file_clock::to_sys(modified).time_since_epoch())
                                         .count();
    }
    // A vlm is a text-generation model served with its projector.
    const bool vlm = spec.kind == core::ModelKind::VLM && entry.catalog.info.kind == core::ModelKind::LLM;
    if (vlm && spec.mmproj.empty()) {
        entry.probe_error = "configured as vlm without its projector (mmproj)";
    } else if (entry.catalog.info.kind == core::ModelKind::TTS && spec.vocoder.empty()) {
        entry.probe_error = "an OuteTTS model needs its WavTokenizer vocoder (vocoder)";
    } else if (spec.kind && *spec.kind != entry.catalog.info.kind && !vlm) {
        entry.probe_error = "configured as " + std::string(core::to_string(*spec.kind)) + " but the file is a " +
                            std::string(core::to_string(entry.catalog.info.kind)) + " model";
    }
    return entry;
}

ModelEntry builtin_voice_entry() {
    ModelEntry entry;
    entry.builtin = true;
    entry.spec.name = BUILTIN_VOICE_ID;
    entry.spec.kind = core::ModelKind::TTS;
    entry.catalog.id = BUILTIN_VOICE_ID;
    entry.catalog.info.kind = core::ModelKind::TTS;
    entry.catalog.info.format = "builtin";
    entry.catalog.info.architecture = BUILTIN_VOICE_ID;
    return entry;
}

}  // namespace

EntryScan collect_entries(const std::string& models_dir, const std::vector<core::ModelSpec>& configured,
                          bool builtin_voice) {
    EntryScan out;
    std::set<std::string> names;
    std::set<std::string> paths;
    for (const auto& spec : configured) {
        out.entries.push_back(configured_entry(spec));
        names.insert(spec.name);
        paths.insert(canonical(spec.path));
    }
    if (builtin_voice && !names.contains(BUILTIN_VOICE_ID)) {
        out.entries.push_back(builtin_voice_entry());
        names.insert(BUILTIN_VOICE_ID);
    }
    if (models_dir.empty()) {
        return out;
    }
    CatalogScan scan = scan_models_dir(models_dir);
    if (!scan.error.empty()) {
        log::warn("{}", scan.error);
    }
    for (CatalogEntry& found : scan.models) {
        if (names.contains(found.id) || paths.contains(canonical(found.info.path))) {
            continue;  // the configured entry describes this model
        }
        ModelEntry entry;
        entry.spec.name = found.id;
        entry.spec.path = found.info.path;
        if (found.info.kind == core::ModelKind::TTS && found.vocoder.empty()) {
            entry.probe_error = "an OuteTTS model needs its vocoder: put a WavTokenizer*.gguf beside it";
        }
        entry.catalog = std::move(found);
        out.entries.push_back(std::move(entry));
    }
    out.rejected = std::move(scan.rejected);
    return out;
}

}  // namespace hearth::registry
