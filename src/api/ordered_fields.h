#pragma once
// Reading request bodies that are rewritten into chat bodies (/v1/messages, /v1/responses): they are walked as
// ordered JSON, so that schemas and tool arguments keep the client's key order, and every mistake is an
// INVALID_ARGUMENT naming the field in the client's own terms. Internal to the api module.

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
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
// An optional object member: nullptr when absent or null, an error naming it when not an object.
Result<const nlohmann::ordered_json*> optional_object(const nlohmann::ordered_json& object, const std::string& path,
                                                      std::string_view key);
Result<std::string> required_string(const nlohmann::ordered_json& object, const std::string& path,
                                    std::string_view key);
// Calls `each` with every element of `array` (the field `param`) and its path ("tools[2]"); every element must
// be an object. Errors name the array (`expected` says what it holds) or the element; the first one stops.
using ElementVisitor = std::function<Result<void>(const nlohmann::ordered_json& element, const std::string& path)>;
Result<void> for_each_object(const nlohmann::ordered_json& array, const std::string& param, std::string_view expected,
                             const ElementVisitor& each);
// Translates body[key] (when present and not null) into out[out_key]; an empty array is left out (an empty
// tools list means none).
using ValueTranslator = std::function<Result<nlohmann::ordered_json>(const nlohmann::ordered_json& value)>;
Result<void> copy_translated(const nlohmann::ordered_json& body, std::string_view key, nlohmann::ordered_json& out,
                             const std::string& out_key, const ValueTranslator& translate);

// The body checked by parse_json_object (depth, UTF-8, syntax with positions), then read in its key order.
Result<nlohmann::ordered_json> parse_ordered_object(std::string_view body);
std::string dump_ordered(const nlohmann::ordered_json& value);

// The chat messages a rewritten body builds up. It remembers each tool call's function name, so that the tool
// message answering a call carries the name (some templates show it).
class ChatMessageList {
public:
    void push(nlohmann::ordered_json message) { messages_.push_back(std::move(message)); }
    void note_call(const std::string& id, const std::string& name) { names_[id] = name; }
    void push_tool_result(const std::string& call_id, std::string content);
    bool empty() const { return messages_.empty(); }
    nlohmann::ordered_json& back() { return messages_.back(); }
    nlohmann::ordered_json take() { return std::move(messages_); }

private:
    nlohmann::ordered_json messages_ = nlohmann::ordered_json::array();
    std::map<std::string, std::string> names_;  // call id → function name
};

}  // namespace hearth::api
