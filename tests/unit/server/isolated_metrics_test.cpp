// merge_process_metrics: an isolated model's series from its process join the server's exposition under the
// right family header; the server's own series win; other models' and unknown families' series stay out.
#include "server/isolated_metrics.h"

#include <gtest/gtest.h>

namespace hearth::server {
namespace {

const char* const OWN =
    "# HELP hearth_requests_total Requests.\n"
    "# TYPE hearth_requests_total counter\n"
    "hearth_requests_total{endpoint=\"/v1/completions\",model=\"iso\",status=\"200\"} 3\n"
    "# HELP hearth_time_to_first_token_seconds TTFT.\n"
    "# TYPE hearth_time_to_first_token_seconds histogram\n"
    "# HELP hearth_uptime_seconds Up.\n"
    "# TYPE hearth_uptime_seconds gauge\n"
    "hearth_uptime_seconds 12\n";

const char* const THEIRS =
    "# HELP hearth_requests_total Requests.\n"
    "# TYPE hearth_requests_total counter\n"
    "hearth_requests_total{endpoint=\"/v1/completions\",model=\"iso\",status=\"200\"} 5\n"
    "# HELP hearth_time_to_first_token_seconds TTFT.\n"
    "# TYPE hearth_time_to_first_token_seconds histogram\n"
    "hearth_time_to_first_token_seconds_bucket{model=\"iso\",le=\"0.5\"} 2\n"
    "hearth_time_to_first_token_seconds_bucket{model=\"iso\",le=\"+Inf\"} 3\n"
    "hearth_time_to_first_token_seconds_sum{model=\"iso\"} 0.9\n"
    "hearth_time_to_first_token_seconds_count{model=\"iso\"} 3\n"
    "hearth_time_to_first_token_seconds_count{model=\"iso-2\"} 7\n"
    "hearth_unknown_total{model=\"iso\"} 1\n"
    "# HELP hearth_uptime_seconds Up.\n"
    "# TYPE hearth_uptime_seconds gauge\n"
    "hearth_uptime_seconds 4\n";

TEST(MergeProcessMetrics, AddsTheModelsSeriesUnderTheirFamily) {
    const std::string merged = merge_process_metrics(OWN, {{"iso", THEIRS}});
    const std::string expected =
        "# HELP hearth_requests_total Requests.\n"
        "# TYPE hearth_requests_total counter\n"
        "hearth_requests_total{endpoint=\"/v1/completions\",model=\"iso\",status=\"200\"} 3\n"
        "# HELP hearth_time_to_first_token_seconds TTFT.\n"
        "# TYPE hearth_time_to_first_token_seconds histogram\n"
        "hearth_time_to_first_token_seconds_bucket{model=\"iso\",le=\"0.5\"} 2\n"
        "hearth_time_to_first_token_seconds_bucket{model=\"iso\",le=\"+Inf\"} 3\n"
        "hearth_time_to_first_token_seconds_sum{model=\"iso\"} 0.9\n"
        "hearth_time_to_first_token_seconds_count{model=\"iso\"} 3\n"
        "# HELP hearth_uptime_seconds Up.\n"
        "# TYPE hearth_uptime_seconds gauge\n"
        "hearth_uptime_seconds 12\n";
    EXPECT_EQ(merged, expected);
}

TEST(MergeProcessMetrics, NoProcessesLeavesTheExpositionAsItWas) {
    EXPECT_EQ(merge_process_metrics(OWN, {}), OWN);
    EXPECT_EQ(merge_process_metrics(OWN, {{"other", THEIRS}}), OWN);  // no series of "other" there
}

}  // namespace
}  // namespace hearth::server
