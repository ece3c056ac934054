#include "api/ovms_config.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace hearth::api {
namespace {

using nlohmann::json;

registry::ModelStatus make_model(const std::string& id, registry::ModelState state) {
    registry::ModelStatus m;
    m.entry.id = id;
    m.state = state;
    return m;
}

TEST(OvmsConfig, MapsEveryLifecycleState) {
    EXPECT_EQ(ovms_state(registry::ModelState::READY), "AVAILABLE");
    EXPECT_EQ(ovms_state(registry::ModelState::LOADING), "LOADING");
    EXPECT_EQ(ovms_state(registry::ModelState::UNLOADING), "UNLOADING");
    EXPECT_EQ(ovms_state(registry::ModelState::UNLOADED), "END");
    EXPECT_EQ(ovms_state(registry::ModelState::FAILED), "LOADING");
}

TEST(OvmsConfig, OneVersionPerModelInOvmsShape) {
    const ApiReply reply = ovms_config_reply(
        {make_model("org/chat", registry::ModelState::READY), make_model("idle", registry::ModelState::UNLOADED)});
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.content_type, "application/json");
    const json expected = {
        {"org/chat",
         {{"model_version_status",
           {{{"version", "1"}, {"state", "AVAILABLE"}, {"status", {{"error_code", "OK"}, {"error_message", "OK"}}}}}}}},
        {"idle",
         {{"model_version_status",
           {{{"version", "1"}, {"state", "END"}, {"status", {{"error_code", "OK"}, {"error_message", "OK"}}}}}}}}};
    EXPECT_EQ(json::parse(reply.body), expected);
}

TEST(OvmsConfig, FailedLoadCarriesItsReason) {
    registry::ModelStatus failed = make_model("broken", registry::ModelState::FAILED);
    failed.last_error = "truncated file";
    const json body = json::parse(ovms_config_reply({failed}).body);
    const json& version = body["broken"]["model_version_status"][0];
    EXPECT_EQ(version["state"], "LOADING");
    EXPECT_EQ(version["status"]["error_code"], "UNKNOWN");
    EXPECT_EQ(version["status"]["error_message"], "truncated file");
}

TEST(OvmsConfig, NoModelsIsAnEmptyObject) {
    EXPECT_EQ(ovms_config_reply({}).body, "{}");
}

}  // namespace
}  // namespace hearth::api
