#include "cli/command_serve.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "server/app.h"
#include "util/log.h"

namespace hearth::cli {

std::string default_models_dir() {
    if (const char* env = std::getenv("HEARTH_MODELS"); env != nullptr && *env != '\0') {
        return env;
    }
    std::error_code ec;
    if (std::filesystem::is_directory("../shared/models", ec)) {
        return std::filesystem::weakly_canonical("../shared/models", ec).string();
    }
    const char* home = std::getenv("HOME");
    return std::string(home != nullptr ? home : ".") + "/.hearth/models";
}

void add_serve_command(CLI::App& app, ServeOptions& options) {
    CLI::App* serve = app.add_subcommand("serve", "Serve the models of a directory over OpenAI-compatible HTTP");
    serve->add_option("--host", options.host, "Address to bind")->capture_default_str();
    serve->add_option("--port", options.port, "Port to listen on (0 picks a free one)")
        ->check(CLI::Range(0, 65535))
        ->capture_default_str();
    serve->add_option("--models-dir", options.models_dir,
                      "Directory scanned for models (default: $HEARTH_MODELS, "
                      "else ../shared/models, else ~/.hearth/models)");
    serve->add_option("--http-threads", options.handler_threads, "Request handler threads")
        ->check(CLI::Range(1, 1024))
        ->capture_default_str();
    serve->add_option("--read-timeout", options.read_timeout_s, "Seconds to receive a request")
        ->check(CLI::Range(1, 3600))
        ->capture_default_str();
    serve->add_option("--idle-timeout", options.idle_timeout_s, "Seconds a keep-alive connection may idle")
        ->check(CLI::Range(1, 3600))
        ->capture_default_str();
}

int run_serve(const ServeOptions& options) {
    server::block_stop_signals();
    server::ServerConfig config;
    config.http.host = options.host;
    config.http.port = static_cast<uint16_t>(options.port);
    config.http.handler_threads = options.handler_threads;
    config.http.read_timeout = std::chrono::seconds(options.read_timeout_s);
    config.http.idle_timeout = std::chrono::seconds(options.idle_timeout_s);
    config.models_dir = options.models_dir.empty() ? default_models_dir() : options.models_dir;
    server::App app(std::move(config));
    if (auto started = app.start(); !started) {
        std::cerr << "hearth: " << started.error().message << "\n";
        return 1;
    }
    // Tests and scripts read the bound port from this line when they asked for port 0.
    std::cout << "hearth listening on " << options.host << ":" << app.port() << std::endl;
    const int sig = server::wait_for_stop_signal();
    log::info("signal {} received: shutting down", sig);
    app.stop();
    return 0;
}

}  // namespace hearth::cli
