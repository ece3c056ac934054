#pragma once
// A small Prometheus metrics registry: counters, gauges and histograms with labels, rendered in the text
// exposition format (version 0.0.4). Families are declared once (name, help, type, buckets); samples are
// keyed by their label values. Label values must come from closed sets (route patterns, known model ids,
// status codes): a client must never be able to mint new series. Thread-safe: one mutex, held briefly.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hearth::metrics {

enum class MetricType { COUNTER, GAUGE, HISTOGRAM };

using Labels = std::vector<std::pair<std::string, std::string>>;

// Upper bounds (seconds) suited to request latencies, from 5 ms to 5 min.
std::vector<double> latency_buckets();

class Registry {
public:
    // Declares a family; declaring it again is a no-op. Histogram buckets are upper bounds, ascending.
    void declare(const std::string& name, MetricType type, const std::string& help, std::vector<double> buckets = {});

    // Undeclared names are ignored, as are calls of the wrong kind (a programming error, never a crash).
    void add(const std::string& name, const Labels& labels, double value = 1.0);
    // Gauges; and counters whose running total another component keeps (copied at each scrape).
    void set(const std::string& name, const Labels& labels, double value);
    void observe(const std::string& name, const Labels& labels, double value);
    // Drops every sample of a family, for families rebuilt from scratch at each scrape (model states).
    void clear(const std::string& name);

    // The sample's value (a histogram's count); 0 when absent. For tests and for derived values.
    double value(const std::string& name, const Labels& labels) const;

    // Every family in the text format, families and samples in a stable (sorted) order.
    std::string render() const;

private:
    struct Sample {
        double value = 0;                 // counter or gauge value; histogram sum
        uint64_t count = 0;               // histogram observations
        std::vector<uint64_t> in_bucket;  // histogram: observations per bucket (not cumulative)
    };
    struct Family {
        MetricType type = MetricType::COUNTER;
        std::string help;
        std::vector<double> buckets;
        std::map<Labels, Sample> samples;
    };
    Family* find(const std::string& name, MetricType type);
    static void render_family(std::string& out, const std::string& name, const Family& family);

    mutable std::mutex mutex_;
    std::map<std::string, Family> families_;
};

// Escapes a label value for the text format: backslash, double quote and newline.
std::string escape_label_value(const std::string& value);
// A sample value in the text format: integers without a fraction, +Inf/-Inf/NaN spelled out.
std::string format_value(double value);

}  // namespace hearth::metrics
