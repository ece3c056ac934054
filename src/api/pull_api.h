#pragma once
// POST /v1/models/pull: its request ({"model": REF, "stream": true}) and the JSON it answers with: progress
// events while streaming ({"status": "resolving" | "downloading" | "verifying", ...}), then {"status":
// "success", "model": NAME, "files": [...]} or {"status": "error", "error": {OpenAI error}}.
// Thread-safe: pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace hearth::api {

struct PullParams {
    std::string model;  // the reference: org/repo[:TAG], org/repo/file.gguf, a hub URL
    bool stream = true;
};

// INVALID_ARGUMENT naming the field when the body is not an object, `model` is missing or empty, or a field
// has the wrong type.
Result<PullParams> parse_pull_request(std::string_view body);

// A progress event's JSON; `file`, `completed` and `total` only where given (file non-empty, total >= 0).
std::string pull_status_json(std::string_view status, std::string_view file, int64_t completed, int64_t total);
std::string pull_success_json(const std::string& name, const std::vector<std::string>& files);
std::string pull_error_json(const Error& error);

}  // namespace hearth::api
