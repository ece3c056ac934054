#include "util/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace hearth::log {

void init(Level level) {
    spdlog::set_default_logger(spdlog::stderr_color_mt("hearth"));
    set_level(level);
}

void set_level(Level level) {
    switch (level) {
        case Level::DEBUG: spdlog::set_level(spdlog::level::debug); break;
        case Level::INFO: spdlog::set_level(spdlog::level::info); break;
        case Level::WARN: spdlog::set_level(spdlog::level::warn); break;
        case Level::ERROR: spdlog::set_level(spdlog::level::err); break;
    }
}

bool parse_level(std::string_view name, Level& out) {
    if (name == "debug") {
        out = Level::DEBUG;
    } else if (name == "info") {
        out = Level::INFO;
    } else if (name == "warn") {
        out = Level::WARN;
    } else if (name == "error") {
        out = Level::ERROR;
    } else {
        return false;
    }
    return true;
}

}  // namespace hearth::log
