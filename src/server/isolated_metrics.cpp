#include "server/isolated_metrics.h"

#include <map>
#include <set>
#include <sstream>

#include "http/http_client.h"
#include "util/metrics.h"

namespace hearth::server {

namespace {

constexpr auto FETCH_TIMEOUT = std::chrono::seconds(2);

// One family of an exposition: its "# HELP" and "# TYPE" lines and its samples, in order.
struct FamilyText {
    std::vector<std::string> lines;
};

// A sample line's series: everything before its value.
std::string series_of(const std::string& line) {
    const size_t space = line.rfind(' ');
    return space == std::string::npos ? line : line.substr(0, space);
}

std::string metric_name(const std::string& line) {
    const size_t end = line.find_first_of("{ ");
    return line.substr(0, end);
}

// The family a sample belongs to: its name, or a histogram's name under its _bucket/_sum/_count suffix.
std::string family_of(const std::string& name, const std::map<std::string, FamilyText>& families) {
    if (families.count(name) != 0) {
        return name;
    }
    for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
        if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
            std::string base = name.substr(0, name.size() - suffix.size());
            if (families.count(base) != 0) {
                return base;
            }
        }
    }
    return {};
}

}  // namespace

std::optional<std::string> fetch_from_isolated(const registry::IsolatedModel& model, const std::string& target,
                                               const std::string& method) {
    http::HttpClient client("127.0.0.1", model.port(), FETCH_TIMEOUT);
    auto answer = client.send({method, target, {{"Authorization", "Bearer " + model.token()}}, ""});
    if (!answer || answer->status != 200) {
        return std::nullopt;
    }
    return std::move(answer->body);
}

std::string merge_process_metrics(const std::string& own,
                                  const std::vector<std::pair<std::string, std::string>>& processes) {
    std::vector<std::string> order;
    std::map<std::string, FamilyText> families;
    std::set<std::string> series;
    std::istringstream in(own);
    std::string current;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("# HELP ", 0) == 0) {
            current = metric_name(line.substr(7));
            order.push_back(current);
        } else if (!line.empty() && line[0] != '#') {
            series.insert(series_of(line));
        }
        families[current].lines.push_back(line);
    }
    for (const auto& [id, exposition] : processes) {
        const std::string label = "model=\"" + metrics::escape_label_value(id) + "\"";
        std::istringstream theirs(exposition);
        for (std::string line; std::getline(theirs, line);) {
            if (line.empty() || line[0] == '#' || line.find(label) == std::string::npos) {
                continue;
            }
            const std::string family = family_of(metric_name(line), families);
            if (!family.empty() && series.insert(series_of(line)).second) {
                families[family].lines.push_back(line);
            }
        }
    }
    std::string out;
    for (const auto& line : families[""].lines) {  // anything before the first family (none from our registry)
        out += line + "\n";
    }
    for (const auto& name : order) {
        for (const auto& line : families[name].lines) {
            out += line + "\n";
        }
    }
    return out;
}

}  // namespace hearth::server
