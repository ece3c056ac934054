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
