#pragma once
// GET /v1/config in OpenVINO Model Server's shape, for clients written against OVMS: one entry per model,
// each with a single version "1" whose state follows the registry's lifecycle. Pure function of a snapshot.

#include <string>
#include <string_view>
#include <vector>

#include "api/api_reply.h"
#include "registry/model_registry.h"

namespace hearth::api {

// OVMS's ModelVersionState name for a registry state: READY → AVAILABLE, LOADING → LOADING, UNLOADING →
// UNLOADING, UNLOADED → END (OVMS's "retired" state); FAILED → LOADING, as OVMS reports a failed load.
std::string_view ovms_state(registry::ModelState state);

ApiReply ovms_config_reply(const std::vector<registry::ModelStatus>& models);

}  // namespace hearth::api
