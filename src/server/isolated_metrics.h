#pragma once
// An isolated model's counters live in its process (its scheduler, its generation metrics), and so do the
// responses it stored (/v1/responses with store): the server's status, /metrics and GET/DELETE
// /v1/responses/{id} read them from there, so that a model answers the same whether it runs in-process or not.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "registry/isolated_model.h"

namespace hearth::server {

// `method` `target` at the model's process (its token, a short timeout): the body of a 200, else nothing.
std::optional<std::string> fetch_from_isolated(const registry::IsolatedModel& model, const std::string& target,
                                               const std::string& method = "GET");

// The server's own exposition with the processes' per-model series added: from each (model id, its process's
// exposition), the samples labelled model="<id>" of families the server has, unless the server has that series
// itself (the requests it forwarded, its model states). Families keep their place and header.
std::string merge_process_metrics(const std::string& own,
                                  const std::vector<std::pair<std::string, std::string>>& processes);

}  // namespace hearth::server
