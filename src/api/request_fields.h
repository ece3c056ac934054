#pragma once
// The request fields /v1/chat/completions and /v1/completions share: reading them from the body (types and
// shapes) and resolving them (OpenAI's defaults, ranges, hearth's limits). Internal to the api module.

#include <cstdint>
#include <optional>
#include <string_view>

#include "api/completions_request.h"
#include "api/json_body.h"
#include "util/result.h"

namespace hearth::api {

// Reads every shared field into `out`; type errors are recorded in `reader`.
void read_common_fields(FieldReader& reader, CommonRequestFields& out);

// Defaults and ranges of everything but max_tokens, which each endpoint resolves under its own name.
Result<GenerationOptions> resolve_common_fields(const CommonRequestFields& fields, const RequestLimits& limits);

// A positive token count, clamped to int32 (the server bounds it by the context anyway); nullopt stays unset.
Result<std::optional<int32_t>> resolve_max_tokens(std::optional<int64_t> value, std::string_view param);

// A present value within [low, high] (or (low, high] when low_open); the message names the field and value.
Result<void> check_range(std::optional<double> value, double low, double high, std::string_view param,
                         bool low_open = false);

// A JSON value as text for error messages: what the client sent, shortest form.
std::string describe(double value);

}  // namespace hearth::api
