#include "bench/bench_plot.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

namespace hearth::bench {

namespace {

using nlohmann::json;

constexpr double NONE = std::numeric_limits<double>::quiet_NaN();

double number(const json& row, const char* column) {
    const auto it = row.find(column);
    return it != row.end() && it->is_number() ? it->get<double>() : NONE;
}

std::string text(const json& row, const char* column) {
    const auto it = row.find(column);
    return it != row.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool open_loop(const json& row) {
    const double rate = number(row, "request_rate");
    return std::isfinite(rate) && rate > 0;
}

std::string run_name(const json& row) {
    const std::string label = text(row, "label");
    std::string name = label.empty() ? "run " + text(row, "started_at") : label;
    name += ", " + text(row, "model");
    if (const std::string endpoint = text(row, "endpoint"); endpoint != "chat") {
        name += " (" + endpoint + ")";
    }
    return name;
}

// One run's rows, one per x (the newest, as rows come newest first).
struct Run {
    std::string name;
    std::map<double, json> by_x;
};

std::vector<Run> collect_runs(const json& rows, const PlotOptions& options, bool rate_axis) {
    std::vector<Run> runs;
    for (const json& row : rows) {
        if (!row.is_object() || open_loop(row) != rate_axis) {
            continue;
        }
        const std::string label = text(row, "label");
        if (!options.labels.empty() &&
            std::find(options.labels.begin(), options.labels.end(), label) == options.labels.end()) {
            continue;
        }
        const double x = number(row, rate_axis ? "request_rate" : "concurrency");
        if (!std::isfinite(x)) {
            continue;
        }
        const std::string name = run_name(row);
        auto run = std::find_if(runs.begin(), runs.end(), [&name](const Run& r) { return r.name == name; });
        if (run == runs.end()) {
            if (runs.size() >= options.max_series) {
                continue;
            }
            runs.push_back(Run{name, {}});
            run = runs.end() - 1;
        }
        run->by_x.emplace(x, row);  // an earlier (newer) row for this x stays
    }
    return runs;
}

ChartLine line(const Run& run, int series, const char* column, bool dashed) {
    ChartLine out;
    out.series = series;
    out.dashed = dashed;
    for (const auto& [x, row] : run.by_x) {
        out.points.push_back({x, number(row, column)});
    }
    return out;
}

// A panel with one line per run (and a dashed one per run when `dashed_column` is given).
ChartPanel panel(std::string title, const std::vector<Run>& runs, const char* column,
                 const char* dashed_column = nullptr) {
    ChartPanel out{std::move(title), {}};
    for (size_t i = 0; i < runs.size(); ++i) {
        out.lines.push_back(line(runs[i], static_cast<int>(i), column, false));
        if (dashed_column != nullptr) {
            out.lines.push_back(line(runs[i], static_cast<int>(i), dashed_column, true));
        }
    }
    return out;
}

bool axis_is_rate(const json& rows, PlotAxis axis) {
    if (axis != PlotAxis::AUTO) {
        return axis == PlotAxis::RATE;
    }
    return !rows.empty() && rows.front().is_object() && open_loop(rows.front());
}

}  // namespace

Result<ChartFigure> serve_figure(const json& rows, const PlotOptions& options) {
    if (!rows.is_array()) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "serve rows must be an array");
    }
    const bool rate_axis = axis_is_rate(rows, options.axis);
    const std::vector<Run> runs = collect_runs(rows, options, rate_axis);
    if (runs.empty()) {
        return make_error(ErrorCode::NOT_FOUND, std::string("no stored serve runs ") +
                                                    (rate_axis ? "at a request rate" : "at a concurrency") +
                                                    (options.labels.empty() ? "" : " with those labels"));
    }
    ChartFigure figure;
    figure.title = rate_axis ? "hearth bench serve, open loop" : "hearth bench serve, closed loop";
    figure.x_label = rate_axis ? "request rate, requests/s" : "concurrent clients";
    std::set<double> xs;
    for (const Run& run : runs) {
        figure.series.push_back(run.name);
        for (const auto& entry : run.by_x) {
            xs.insert(entry.first);
        }
    }
    figure.log_x = !rate_axis && *xs.begin() > 0 && *xs.rbegin() / *xs.begin() >= 8;
    figure.panels.push_back(panel("Output tokens/s", runs, "output_tokens_per_s"));
    figure.panels.push_back(
        panel("Requests/s (goodput dashed, where SLOs were set)", runs, "request_throughput", "goodput"));
    figure.panels.push_back(
        panel("Time to first token, ms (p50 solid, p99 dashed)", runs, "ttft_p50_ms", "ttft_p99_ms"));
    figure.panels.push_back(panel("Time per output token, ms (p50, p99)", runs, "tpot_p50_ms", "tpot_p99_ms"));
    figure.panels.push_back(panel("Inter-token latency, ms (p50, p99)", runs, "itl_p50_ms", "itl_p99_ms"));
    figure.panels.push_back(panel("End-to-end latency, ms (p50, p99)", runs, "e2e_p50_ms", "e2e_p99_ms"));
    return figure;
}

}  // namespace hearth::bench
