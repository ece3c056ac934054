#pragma once
// Reading request bodies that are rewritten into chat bodies (/v1/messages, /v1/responses): they are walked as
// ordered JSON, so that schemas and tool arguments keep the client's key order, and every mistake is an
// INVALID_ARGUMENT naming the field in the client's own terms. Internal to the api module.

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "util/result.h"

namespace hearth::api {

Error invalid_field(std::string message, std::string param);
// "invalid type for '<param>': expected <expected>, got <type>".
Error wrong_type(const std::string& param, std::string_view expected, const nlohmann::ordered_json& got);
// "<path>.<key>", or the key alone at the top.
std::string join_param(const std::string& path, std::string_view key);
// A member of an object; absent and null both nullptr (SDKs send null or leave unset fields out).
const nlohmann::ordered_json* member(const nlohmann::ordered_json& object, std::string_view key);
Result<std::string> required_string(const nlohmann::ordered_json& object, const std::string& path,
                                    std::string_view key);
// The body checked by parse_json_object (depth, UTF-8, syntax with positions), then read in its key order.
Result<nlohmann::ordered_json> parse_ordered_object(std::string_view body);
std::string dump_ordered(const nlohmann::ordered_json& value);

}  // namespace hearth::api
