#include "api/json_body.h"

#include <cmath>
#include <string>
#include <vector>

namespace hearth::api {

using nlohmann::json;

namespace {

// Thrown from the parser callback to stop parsing as soon as the nesting is too deep; caught below.
struct DepthExceeded {};

// Follows the parser's events to know which field it is in when it fails, so that a bad byte deep inside
// "messages" is reported as param "messages[3].content" rather than only as a byte offset.
class PathTracker {
public:
    explicit PathTracker(int max_depth) : max_depth_(max_depth) {}

    bool on_event(int depth, json::parse_event_t event, const json& parsed) {
        switch (event) {
            case json::parse_event_t::object_start:
            case json::parse_event_t::array_start: start_container(depth, event); break;
            case json::parse_event_t::key:
                if (!levels_.empty()) {
                    levels_.back().key = parsed.get_ref<const std::string&>();
                    levels_.back().open = true;
                }
                break;
            case json::parse_event_t::value: close_element(); break;
            case json::parse_event_t::object_end:
            case json::parse_event_t::array_end:
                if (!levels_.empty()) {
                    levels_.pop_back();
                }
                close_element();
                break;
        }
        return true;
    }

    // The field being parsed: the element in progress, or the next one when between elements.
    std::string path() const {
        std::string out;
        for (const Level& level : levels_) {
            if (level.is_array) {
                const size_t index = level.open ? level.count - 1 : level.count;
                out = element_param(out, index);
            } else if (level.open) {
                out += out.empty() ? level.key : "." + level.key;
            } else {
                break;
            }
        }
        return out;
    }

private:
    struct Level {
        bool is_array = false;
        bool open = false;  // an element (array) or a key's value (object) is being parsed
        size_t count = 0;   // array elements started
        std::string key;
    };

    void start_container(int depth, json::parse_event_t event) {
        if (depth + 1 > max_depth_) {
            throw DepthExceeded{};
        }
        open_element();
        levels_.push_back(Level{event == json::parse_event_t::array_start, false, 0, {}});
    }
    void open_element() {
        if (!levels_.empty() && levels_.back().is_array) {
            ++levels_.back().count;
            levels_.back().open = true;
        }
    }
    // A scalar element or value is one event: it opens and closes at once.
    void close_element() {
        if (levels_.empty()) {
            return;
        }
        if (levels_.back().is_array && !levels_.back().open) {
            ++levels_.back().count;
        }
        levels_.back().open = false;
    }

    int max_depth_;
    std::vector<Level> levels_;
};

// nlohmann's messages start with "[json.exception.parse_error.101] "; the client needs only the rest.
std::string strip_exception_id(std::string_view what) {
    if (!what.empty() && what.front() == '[') {
        const size_t end = what.find("] ");
        if (end != std::string_view::npos) {
            return std::string(what.substr(end + 2));
        }
    }
    return std::string(what);
}

}  // namespace

Result<json> parse_json_object(std::string_view body, int max_depth) {
    PathTracker tracker(max_depth);
    json value;
    try {
        value = json::parse(
            body.begin(), body.end(),
            [&tracker](int depth, json::parse_event_t event, json& parsed) {
                return tracker.on_event(depth, event, parsed);
            },
            true, false);
    } catch (const DepthExceeded&) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          "request body nests deeper than " + std::to_string(max_depth) + " levels", tracker.path());
    } catch (const json::exception& e) {
        // parse_error carries the line, column and byte; out_of_range (a number beyond double) names it.
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          "request body is not valid JSON: " + strip_exception_id(e.what()), tracker.path());
    }
    if (!value.is_object()) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          std::string("request body must be a JSON object, got ") + value.type_name());
    }
    return value;
}

std::string element_param(std::string_view array_path, size_t index) {
    return std::string(array_path) + "[" + std::to_string(index) + "]";
}

FieldReader::FieldReader(const json& object, std::string prefix) : object_(object), prefix_(std::move(prefix)) {}

const json* FieldReader::find(std::string_view key) const {
    if (!object_.is_object()) {
        return nullptr;
    }
    const auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) {
        return nullptr;
    }
    return &*it;
}

std::string FieldReader::param(std::string_view key) const {
    return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
}

void FieldReader::fail(Error error) {
    if (!error_) {
        error_ = std::move(error);
    }
}

void FieldReader::fail_type(std::string_view key, std::string_view expected) {
    const json* value = find(key);
    const std::string got = value != nullptr ? value->type_name() : "null";
    fail(make_error(ErrorCode::INVALID_ARGUMENT,
                    "invalid type for '" + param(key) + "': expected " + std::string(expected) + ", got " + got,
                    param(key)));
}

std::optional<bool> FieldReader::boolean(std::string_view key) {
    const json* value = find(key);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_boolean()) {
        fail_type(key, "a boolean");
        return std::nullopt;
    }
    return value->get<bool>();
}

std::optional<double> FieldReader::number(std::string_view key) {
    const json* value = find(key);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_number()) {
        fail_type(key, "a number");
        return std::nullopt;
    }
    return value->get<double>();
}

std::optional<int64_t> FieldReader::integer(std::string_view key) {
    const json* value = find(key);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (value->is_number_unsigned() && value->get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX)) {
        return static_cast<int64_t>(value->get<uint64_t>());
    }
    if (value->is_number_integer() && !value->is_number_unsigned()) {
        return value->get<int64_t>();
    }
    if (value->is_number_float()) {
        const double d = value->get<double>();
        if (std::trunc(d) != d) {
            fail_type(key, "an integer");
            return std::nullopt;
        }
        // 2^63 is exactly representable; anything at or past it does not fit int64.
        if (d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
            return static_cast<int64_t>(d);
        }
    }
    if (value->is_number()) {
        fail(make_error(ErrorCode::INVALID_ARGUMENT, "'" + param(key) + "' is out of range: " + value->dump(),
                        param(key)));
    } else {
        fail_type(key, "an integer");
    }
    return std::nullopt;
}

std::optional<std::string> FieldReader::string(std::string_view key) {
    const json* value = find(key);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_string()) {
        fail_type(key, "a string");
        return std::nullopt;
    }
    return value->get<std::string>();
}

}  // namespace hearth::api
