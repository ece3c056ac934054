#pragma once
// The model config file ($HEARTH_HOME/config.json) and model load options as JSON:
//   {"models": [{"name": "qwen", "path": "/m/qwen.gguf", "kind": "llm", "options": {"n_ctx": 4096, ...}}]}
// Also the body of POST /v1/models/{id}/load (an options object). Unknown keys are refused, so that a typo
// never silently falls back to a default.

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "core/model_spec.h"
#include "util/result.h"

namespace hearth::api {

// `prefix` is the object's path for error messages ("options", "models[2].options").
Result<core::LoadOptions> parse_load_options(const nlohmann::json& object, const std::string& prefix);
nlohmann::json load_options_json(const core::LoadOptions& options);

// keep_alive as a number of seconds (-1: never unload) or a duration string "30s", "5m", "2h", "-1".
Result<int64_t> parse_keep_alive(const nlohmann::json& value, const std::string& param);

// INVALID_ARGUMENT with the field's path for anything malformed, a duplicate name or a bad value.
Result<std::vector<core::ModelSpec>> parse_model_config(std::string_view text);
std::string format_model_config(const std::vector<core::ModelSpec>& models);

}  // namespace hearth::api
