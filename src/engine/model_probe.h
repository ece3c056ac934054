#pragma once
// Identifies a model file without loading it: format, kind, architecture, and whether it can be served.
// Reads headers and metadata only (cheap; safe on any file). Thread-safe: no shared state.

#include <string>

#include "core/model_file_info.h"
#include "util/result.h"

namespace hearth::engine {

// A file that is not a servable model yields INVALID_ARGUMENT with a reason a person can act on
// ("truncated: ...", "weightless whisper header ...", "voice-activity-detection model ...").
Result<core::ModelFileInfo> probe_model_file(const std::string& path);

namespace detail {
Result<core::ModelFileInfo> probe_gguf(const std::string& path, uint64_t file_size);
Result<core::ModelFileInfo> probe_whisper_ggml(const std::string& path, uint64_t file_size);
}  // namespace detail

}  // namespace hearth::engine
