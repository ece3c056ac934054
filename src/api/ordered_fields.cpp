#include "api/ordered_fields.h"

#include "api/json_body.h"

namespace hearth::api {

using json = nlohmann::ordered_json;

Error invalid_field(std::string message, std::string param) {
    return make_error(ErrorCode::INVALID_ARGUMENT, std::move(message), std::move(param));
}

Error wrong_type(const std::string& param, std::string_view expected, const json& got) {
    return invalid_field(
        "invalid type for '" + param + "': expected " + std::string(expected) + ", got " + got.type_name(), param);
}

std::string join_param(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
}

const json* member(const json& object, std::string_view key) {
    const auto it = object.find(key);
    return it == object.end() || it->is_null() ? nullptr : &*it;
}

Result<const json*> optional_object(const json& object, const std::string& path, std::string_view key) {
    const json* value = member(object, key);
    if (value != nullptr && !value->is_object()) {
        return wrong_type(join_param(path, key), "an object", *value);
    }
    return value;
}

Result<std::string> required_string(const json& object, const std::string& path, std::string_view key) {
    const json* value = member(object, key);
    if (value == nullptr) {
        return invalid_field("'" + join_param(path, key) + "' is required", join_param(path, key));
    }
    if (!value->is_string()) {
        return wrong_type(join_param(path, key), "a string", *value);
    }
    return value->get<std::string>();
}

Result<void> for_each_object(const json& array, const std::string& param, std::string_view expected,
                             const ElementVisitor& each) {
    if (!array.is_array()) {
        return wrong_type(param, expected, array);
    }
    for (size_t i = 0; i < array.size(); ++i) {
        const std::string at = element_param(param, i);
        if (!array[i].is_object()) {
            return wrong_type(at, "an object", array[i]);
        }
        if (Result<void> done = each(array[i], at); !done) {
            return done;
        }
    }
    return {};
}

Result<void> copy_translated(const json& body, std::string_view key, json& out, const std::string& out_key,
                             const ValueTranslator& translate) {
    const json* value = member(body, key);
    if (value == nullptr) {
        return {};
    }
    Result<json> translated = translate(*value);
    if (!translated) {
        return translated.error();
    }
    if (!translated->is_array() || !translated->empty()) {
        out[out_key] = std::move(*translated);
    }
    return {};
}

void ChatMessageList::push_tool_result(const std::string& call_id, std::string content) {
    json tool = {{"role", "tool"}, {"tool_call_id", call_id}, {"content", std::move(content)}};
    if (const auto name = names_.find(call_id); name != names_.end()) {
        tool["name"] = name->second;
    }
    messages_.push_back(std::move(tool));
}

Result<json> parse_ordered_object(std::string_view body) {
    Result<nlohmann::json> checked = parse_json_object(body);
    if (!checked) {
        return checked.error();
    }
    return json::parse(body, nullptr, false);
}

std::string dump_ordered(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace hearth::api
