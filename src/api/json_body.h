#pragma once
// Request bodies from raw bytes to a JSON object, and typed reads of its fields. Every failure is an
// INVALID_ARGUMENT Error naming the field (OpenAI's `param`), never an exception leaving the api module.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.h"

namespace hearth::api {

// Deeper bodies are refused before they are built: nothing a client sends legitimately comes close, and
// nlohmann's dump/compare/copy of what we would build are recursive.
inline constexpr int MAX_JSON_DEPTH = 64;

// Parses a request body that must be one JSON object. Malformed JSON or invalid UTF-8 → the parse position
// in the message and, when the error lies inside a field, that field's path (e.g. "messages[1].content")
// in `param`; any other top-level value → "request body must be a JSON object"; nesting beyond max_depth
// (counting the top-level object as 1) → refused while parsing.
Result<nlohmann::json> parse_json_object(std::string_view body, int max_depth = MAX_JSON_DEPTH);

// Typed optional fields of one JSON object. Absent and null both read as nullopt, because OpenAI's SDKs
// send null for "not set". A present value of the wrong type records an error (the first one wins) and
// reads as nullopt; check ok() once after reading everything.
class FieldReader {
public:
    // `prefix` is the object's own path ("" for the body, "stream_options" for a nested object).
    explicit FieldReader(const nlohmann::json& object, std::string prefix = {});

    std::optional<bool> boolean(std::string_view key);
    std::optional<double> number(std::string_view key);
    // Integers, and numbers with an integral value (10.0), within int64.
    std::optional<int64_t> integer(std::string_view key);
    std::optional<std::string> string(std::string_view key);
    // The raw value when present and not null.
    const nlohmann::json* find(std::string_view key) const;

    // The full path of a field of this object, for Error::param.
    std::string param(std::string_view key) const;
    void fail(Error error);
    void fail_type(std::string_view key, std::string_view expected);
    bool ok() const { return !error_.has_value(); }
    const Error& error() const { return *error_; }

private:
    const nlohmann::json& object_;
    std::string prefix_;
    std::optional<Error> error_;
};

// The path of element `index` of an array at `array_path`: "messages[2]".
std::string element_param(std::string_view array_path, size_t index);

}  // namespace hearth::api
