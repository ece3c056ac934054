#include "util/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace hearth::metrics {

std::vector<double> latency_buckets() {
    return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
}

std::string escape_label_value(const std::string& value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string format_value(double value) {
    if (std::isnan(value)) {
        return "NaN";
    }
    if (std::isinf(value)) {
        return value > 0 ? "+Inf" : "-Inf";
    }
    char buf[64];
    if (value == std::floor(value) && std::fabs(value) < 1e15) {
        std::snprintf(buf, sizeof buf, "%.0f", value);
        return buf;
    }
    // The shortest of 15 or 17 significant digits that reads back exactly: 0.005, not 0.0050000000000000001.
    std::snprintf(buf, sizeof buf, "%.15g", value);
    if (std::strtod(buf, nullptr) != value) {
        std::snprintf(buf, sizeof buf, "%.17g", value);
    }
    return buf;
}

namespace {

// `{a="x",b="y"}` with `extra` (a histogram's le) appended; empty when there are no labels at all.
std::string label_text(const Labels& labels, const std::string& extra = {}) {
    std::string out;
    for (const auto& [name, value] : labels) {
        out += (out.empty() ? "" : ",") + name + "=\"" + escape_label_value(value) + "\"";
    }
    if (!extra.empty()) {
        out += (out.empty() ? "" : ",") + extra;
    }
    return out.empty() ? out : "{" + out + "}";
}

std::string_view type_name(MetricType type) {
    switch (type) {
        case MetricType::COUNTER: return "counter";
        case MetricType::GAUGE: return "gauge";
        case MetricType::HISTOGRAM: return "histogram";
    }
    return "untyped";
}

}  // namespace

void Registry::declare(const std::string& name, MetricType type, const std::string& help, std::vector<double> buckets) {
    std::lock_guard lock(mutex_);
    if (families_.count(name) != 0) {
        return;
    }
    std::sort(buckets.begin(), buckets.end());
    families_.emplace(name, Family{type, help, std::move(buckets), {}});
}

Registry::Family* Registry::find(const std::string& name, MetricType type) {
    const auto it = families_.find(name);
    return it != families_.end() && it->second.type == type ? &it->second : nullptr;
}

void Registry::add(const std::string& name, const Labels& labels, double value) {
    std::lock_guard lock(mutex_);
    Family* family = find(name, MetricType::COUNTER);
    if (family == nullptr) {
        family = find(name, MetricType::GAUGE);
    }
    // A counter only goes up: a negative increment would make rate() lie.
    if (family != nullptr && (family->type == MetricType::GAUGE || value >= 0)) {
        family->samples[labels].value += value;
    }
}

void Registry::set(const std::string& name, const Labels& labels, double value) {
    std::lock_guard lock(mutex_);
    Family* family = find(name, MetricType::GAUGE);
    if (family == nullptr) {
        family = find(name, MetricType::COUNTER);
    }
    if (family != nullptr) {
        family->samples[labels].value = value;
    }
}

void Registry::observe(const std::string& name, const Labels& labels, double value) {
    std::lock_guard lock(mutex_);
    Family* family = find(name, MetricType::HISTOGRAM);
    if (family == nullptr || std::isnan(value)) {
        return;
    }
    Sample& sample = family->samples[labels];
    sample.in_bucket.resize(family->buckets.size());
    const auto bucket = std::lower_bound(family->buckets.begin(), family->buckets.end(), value);
    if (bucket != family->buckets.end()) {
        sample.in_bucket[static_cast<size_t>(bucket - family->buckets.begin())]++;
    }
    sample.count++;
    sample.value += value;
}

void Registry::clear(const std::string& name) {
    std::lock_guard lock(mutex_);
    if (const auto it = families_.find(name); it != families_.end()) {
        it->second.samples.clear();
    }
}

double Registry::value(const std::string& name, const Labels& labels) const {
    std::lock_guard lock(mutex_);
    const auto family = families_.find(name);
    if (family == families_.end()) {
        return 0;
    }
    const auto sample = family->second.samples.find(labels);
    if (sample == family->second.samples.end()) {
        return 0;
    }
    return family->second.type == MetricType::HISTOGRAM ? static_cast<double>(sample->second.count)
                                                        : sample->second.value;
}

void Registry::render_family(std::string& out, const std::string& name, const Family& family) {
    out += "# HELP " + name + " " + family.help + "\n";
    out += "# TYPE " + name + " " + std::string(type_name(family.type)) + "\n";
    for (const auto& [labels, sample] : family.samples) {
        if (family.type != MetricType::HISTOGRAM) {
            out += name + label_text(labels) + " " + format_value(sample.value) + "\n";
            continue;
        }
        uint64_t cumulative = 0;
        for (size_t i = 0; i < family.buckets.size(); ++i) {
            cumulative += i < sample.in_bucket.size() ? sample.in_bucket[i] : 0;
            const std::string le = "le=\"" + format_value(family.buckets[i]) + "\"";
            out += name + "_bucket" + label_text(labels, le) + " " + std::to_string(cumulative) + "\n";
        }
        out += name + "_bucket" + label_text(labels, "le=\"+Inf\"") + " " + std::to_string(sample.count) + "\n";
        out += name + "_sum" + label_text(labels) + " " + format_value(sample.value) + "\n";
        out += name + "_count" + label_text(labels) + " " + std::to_string(sample.count) + "\n";
    }
}

std::string Registry::render() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& [name, family] : families_) {
        render_family(out, name, family);
    }
    return out;
}

}  // namespace hearth::metrics
