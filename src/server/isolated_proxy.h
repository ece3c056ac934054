#pragma once
// Requests for a model that runs isolated (registry::IsolatedModel) go to its process as they came and its
// answers come back as they go, streams token by token. If the process ends mid-answer, a stream ends with an
// OpenAI-shaped error event and a whole answer is a 502; the registry then marks the model failed.

#include <memory>

#include "http/http_types.h"
#include "registry/isolated_model.h"

namespace hearth::server {

// Runs on the handler thread; `model` (a lease) is held until the answer is complete. Never throws.
http::HttpResponse forward_to_isolated(const http::HttpRequest& request,
                                       std::shared_ptr<registry::IsolatedModel> model);

}  // namespace hearth::server
