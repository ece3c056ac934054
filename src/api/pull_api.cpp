#include "api/pull_api.h"

#include <nlohmann/json.hpp>

#include "api/json_body.h"
#include "api/openai_error.h"

namespace hearth::api {

using json = nlohmann::json;

Result<PullParams> parse_pull_request(std::string_view body) {
    auto object = parse_json_object(body);
    if (!object) {
        return object.error();
    }
    FieldReader reader(*object);
    PullParams out;
    out.model = reader.string("model").value_or("");
    out.stream = reader.boolean("stream").value_or(true);
    if (!reader.ok()) {
        return reader.error();
    }
    if (out.model.empty()) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "'model' is required: org/repo[:TAG] or a hub URL", "model");
    }
    return out;
}

std::string pull_status_json(std::string_view status, std::string_view file, int64_t completed, int64_t total) {
    json out = {{"status", status}};
    if (!file.empty()) {
        out["file"] = file;
    }
    if (total >= 0) {
        out["completed"] = completed;
        out["total"] = total;
    }
    return out.dump();
}

std::string pull_success_json(const std::string& name, const std::vector<std::string>& files) {
    return json{{"status", "success"}, {"model", name}, {"files", files}}.dump();
}

std::string pull_error_json(const Error& error) {
    json out = json::parse(error_body(error));
    out["status"] = "error";
    return out.dump();
}

}  // namespace hearth::api
