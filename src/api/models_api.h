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
// process_status: an isolated model's status as its own process reports it (its GET /v1/models/{id} body), from
// which its runtime counters (slots, speculative, prompt_cache, embedding) are taken; empty: none.
ApiReply model_reply(const registry::ModelStatus& model, const std::string& process_status = "");
// `status`: "ok" (200), or "loading" / "draining" (503: a proxy should not send this replica traffic).
ApiReply health_reply(const std::vector<registry::ModelStatus>& models, const std::string& version,
                      const std::string& status = "ok");

}  // namespace hearth::api
