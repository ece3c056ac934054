#include "api/ovms_config.h"

#include <nlohmann/json.hpp>

namespace hearth::api {

using json = nlohmann::ordered_json;

std::string_view ovms_state(registry::ModelState state) {
    switch (state) {
        case registry::ModelState::READY: return "AVAILABLE";
        case registry::ModelState::LOADING:
        case registry::ModelState::FAILED: return "LOADING";
        case registry::ModelState::UNLOADING: return "UNLOADING";
        case registry::ModelState::UNLOADED: break;
    }
    return "END";
}

ApiReply ovms_config_reply(const std::vector<registry::ModelStatus>& models) {
    json out = json::object();
    for (const registry::ModelStatus& model : models) {
        // OVMS says "OK" twice for a healthy version; a failed load carries its reason (OVMS's UNKNOWN code).
        const bool failed = model.state == registry::ModelState::FAILED;
        const json status = {{"error_code", failed ? "UNKNOWN" : "OK"},
                             {"error_message", failed ? model.last_error : std::string("OK")}};
        out[model.entry.id] = {
            {"model_version_status",
             json::array({{{"version", "1"}, {"state", ovms_state(model.state)}, {"status", status}}})}};
    }
    return {200, out.dump(-1, ' ', false, json::error_handler_t::replace)};
}

}  // namespace hearth::api
