#include "cli/serve_access.h"

#include <cstdlib>
#include <fstream>

#include "util/log.h"

namespace hearth::cli {

namespace {

// Keys from --api-key, --api-key-file and $HEARTH_API_KEY together; an unreadable file is an error.
Result<std::vector<std::string>> collect_api_keys(const ServeOptions& options) {
    std::vector<std::string> keys;
    for (const std::string& key : options.api_keys) {
        if (!key.empty()) {
            keys.push_back(key);
        }
    }
    if (const char* env = std::getenv("HEARTH_API_KEY"); env != nullptr && *env != '\0') {
        keys.emplace_back(env);
    }
    if (options.api_key_file.empty()) {
        return keys;
    }
    std::ifstream file(options.api_key_file);
    if (!file) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "cannot read the API key file " + options.api_key_file);
    }
    const size_t before = keys.size();
    for (std::string line; std::getline(file, line);) {
        const size_t begin = line.find_first_not_of(" \t\r");
        const size_t end = line.find_last_not_of(" \t\r");
        if (begin != std::string::npos && line[begin] != '#') {
            keys.push_back(line.substr(begin, end - begin + 1));
        }
    }
    if (keys.size() == before) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "the API key file " + options.api_key_file + " holds no key");
    }
    return keys;
}

}  // namespace

bool is_loopback(const std::string& host) {
    return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

void add_access_options(CLI::App& serve, ServeOptions& options) {
    serve.add_option("--write-timeout", options.write_timeout_s, "Seconds to send one response or stream chunk")
        ->check(CLI::Range(1, 3600))
        ->capture_default_str();
    serve.add_option("--max-connections", options.max_connections, "Open connections at most; beyond, closed")
        ->check(CLI::Range(1, 1000000))
        ->capture_default_str();
    serve
        .add_option("--shutdown-timeout", options.shutdown_timeout_s,
                    "Seconds in-flight requests may take to finish after SIGINT/SIGTERM (a second signal exits "
                    "at once)")
        ->check(CLI::Range(0, 3600))
        ->capture_default_str();
    serve.add_option("--api-key", options.api_keys,
                     "API key clients must send as 'Authorization: Bearer KEY' (repeatable; also $HEARTH_API_KEY)");
    serve.add_option("--api-key-file", options.api_key_file, "File of API keys, one per line ('#' comments)");
    serve.add_flag("--metrics-public", options.metrics_public, "Serve /metrics without an API key");
    serve.add_option("--cors-origin", options.cors_origins,
                     "Browser origin allowed to call the API, e.g. http://localhost:3000 (repeatable; '*' any)");
    serve.add_option("--log-format", options.log_format, "Log lines as text or json")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    serve.add_flag("--log-prompts", options.log_prompts, "Include request bodies (prompts) in the request log");
}

Result<void> apply_access_options(const ServeOptions& options, server::ServerConfig& config) {
    if (options.log_format == "json") {
        log::set_format(log::Format::JSON);
    }
    auto keys = collect_api_keys(options);
    if (!keys) {
        return keys.error();
    }
    if (keys->empty() && !is_loopback(options.host)) {
        log::warn(
            "listening on {} without an API key: anyone who can reach this address can use the models "
            "(set --api-key, --api-key-file or HEARTH_API_KEY)",
            options.host);
    }
    config.access.api_keys = std::move(keys).value();
    config.access.metrics_public = options.metrics_public;
    config.access.cors_origins = options.cors_origins;
    config.access.log_prompts = options.log_prompts;
    config.http.write_timeout = std::chrono::seconds(options.write_timeout_s);
    config.http.max_connections = options.max_connections;
    config.shutdown_timeout = std::chrono::seconds(options.shutdown_timeout_s);
    return {};
}

}  // namespace hearth::cli
