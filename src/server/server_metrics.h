#pragma once
// hearth's metric families (names, help, buckets) and how requests and models feed them. Labels come from
// closed sets only: route patterns, status codes, ids of models the registry knows.

#include <string>
#include <vector>

#include "registry/model_registry.h"
#include "server/request_record.h"
#include "util/metrics.h"

namespace hearth::server {

// Declares every family; call once before the server starts.
void declare_server_metrics(metrics::Registry& metrics);

// A request started or ended on `endpoint` (a route pattern): the in-flight gauge.
void note_request_started(metrics::Registry& metrics, const std::string& endpoint);
// A request's response is complete (its last byte handed to the connection): every per-request family.
void record_request(metrics::Registry& metrics, const std::string& endpoint, int status, const RequestRecord& record,
                    double duration_s);

// Model and process gauges from the registry's snapshot, then the whole text exposition.
std::string scrape(metrics::Registry& metrics, const std::vector<registry::ModelStatus>& models);

}  // namespace hearth::server
