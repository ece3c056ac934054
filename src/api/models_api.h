#pragma once
// GET /v1/models, GET /v1/models/{id} and GET /health bodies in OpenAI's shape, with hearth's extensions
// (kind, state, architecture, ...). Pure functions of registry snapshots.

#include <string>
#include <vector>

#include "api/api_reply.h"
#include "registry/model_registry.h"

namespace hearth::api {

ApiReply models_list_reply(const std::vector<registry::ModelStatus>& models,
                           const std::vector<registry::RejectedFile>& rejected);
ApiReply model_reply(const registry::ModelStatus& model);
// `status`: "ok" (200), or "loading" / "draining" (503: a proxy should not send this replica traffic).
ApiReply health_reply(const std::vector<registry::ModelStatus>& models, const std::string& version,
                      const std::string& status = "ok");

}  // namespace hearth::api
