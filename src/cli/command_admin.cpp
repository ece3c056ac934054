#include "cli/command_admin.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdio>
#include <iostream>
#include <thread>
#include <unistd.h>

#include "engine/backend.h"
#include "engine/rpc_devices.h"
#include "http/http_client.h"
#include "registry/memory_budget.h"

namespace hearth::cli {

namespace {

using nlohmann::json;

struct Reply {
    int status = 0;
    json body;
};

// One request to the server; a transport failure or a non-JSON answer is an error with a readable reason.
Result<Reply> call(const AdminOptions& o, const std::string& method, const std::string& target) {
    auto base = http::parse_base_url(o.url);
    if (!base) {
        return base.error();
    }
    http::HttpClient client(base->host, base->port, std::chrono::seconds(o.timeout_s));
    http::ClientRequest request;
    request.method = method;
    request.target = base->path + target;
    if (!o.api_key.empty()) {
        request.headers.push_back({"Authorization", "Bearer " + o.api_key});
    }
    auto response = client.send(request);
    if (!response) {
        return make_error(response.error().code,
                          "cannot reach the server at " + o.url + ": " + response.error().message);
    }
    Reply reply{response->status, json::parse(response->body, nullptr, false)};
    if (reply.body.is_discarded()) {
        return make_error(ErrorCode::INTERNAL, "the server at " + o.url + " did not answer JSON (HTTP " +
                                                   std::to_string(reply.status) + ")");
    }
    return reply;
}

std::string error_text(const Reply& reply) {
    if (reply.body.contains("error") && reply.body["error"].contains("message")) {
        return reply.body["error"]["message"].get<std::string>();
    }
    return "HTTP " + std::to_string(reply.status);
}

// Polls the model's load_progress on its own connection and draws a bar on a terminal.
void draw_progress(const AdminOptions& o, const std::string& id, const std::atomic<bool>& done) {
    const bool tty = isatty(STDERR_FILENO) == 1;
    while (!done.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        auto reply = call(o, "GET", "/v1/models/" + id);
        if (!tty || !reply || reply->status != 200 || done.load()) {
            continue;
        }
        const double progress = reply->body.value("load_progress", 0.0);
        const int filled = static_cast<int>(progress * 30);
        std::fprintf(stderr, "\r%s [%s%s] %3.0f%%", id.c_str(), std::string(static_cast<size_t>(filled), '#').c_str(),
                     std::string(static_cast<size_t>(30 - filled), '.').c_str(), progress * 100);
    }
    if (tty) {
        std::fprintf(stderr, "\r\033[K");
    }
}

int load_one(const AdminOptions& o, const std::string& id) {
    std::atomic<bool> done{false};
    std::thread bar([&] { draw_progress(o, id, done); });
    auto reply = call(o, "POST", "/v1/models/" + id + "/load");
    done.store(true);
    bar.join();
    if (!reply || reply->status != 200) {
        std::cerr << "hearth load " << id << ": " << (reply ? error_text(*reply) : reply.error().message) << "\n";
        return 1;
    }
    std::cout << id << ": " << reply->body.value("state", "?") << " ("
              << registry::format_bytes(reply->body.value("memory_bytes", uint64_t{0})) << ", loaded in "
              << static_cast<int64_t>(reply->body.value("load_ms", 0.0)) << " ms)\n";
    return 0;
}

int unload_one(const AdminOptions& o, const std::string& id) {
    auto reply = call(o, "POST", "/v1/models/" + id + "/unload");
    if (!reply || reply->status != 200) {
        std::cerr << "hearth unload " << id << ": " << (reply ? error_text(*reply) : reply.error().message) << "\n";
        return 1;
    }
    std::cout << id << ": " << reply->body.value("state", "?") << "\n";
    return 0;
}

int status(const AdminOptions& o) {
    auto reply = call(o, "GET", "/v1/models");
    if (!reply || reply->status != 200) {
        std::cerr << "hearth status: " << (reply ? error_text(*reply) : reply.error().message) << "\n";
        return 1;
    }
    json shown = json::array();
    for (const auto& m : reply->body["data"]) {
        if (m.value("state", "") != "unloaded") {
            shown.push_back(m);
        }
    }
    if (o.json) {
        std::cout << shown.dump(2) << "\n";
        return 0;
    }
    std::printf("%-28s %-10s %-10s %10s %10s %11s %7s  %s\n", "NAME", "STATE", "KIND", "MEMORY", "OF IT GPU",
                "SLOTS BUSY", "QUEUED", "ERROR");
    for (const auto& m : shown) {
        const json slots = m.value("slots", json::object());
        std::printf("%-28s %-10s %-10s %10s %10s %5d/%-5d %7d  %s\n", m.value("id", "").c_str(),
                    m.value("state", "").c_str(), m.value("kind", "").c_str(),
                    registry::format_bytes(m.value("memory_bytes", uint64_t{0})).c_str(),
                    registry::format_bytes(m.value("vram_bytes", uint64_t{0})).c_str(), slots.value("busy", 0),
                    slots.value("total", 0), slots.value("queued", 0), m.value("last_error", "").c_str());
    }
    return 0;
}

int devices(const AdminOptions& o) {
    engine::BackendGuard backends;
    engine::RpcAttachment remote;
    if (!o.rpc.empty()) {
        auto attached = engine::attach_rpc_devices(o.rpc);
        if (!attached) {
            std::cerr << "hearth devices: " << attached.error().message << "\n";
            return 1;
        }
        remote = std::move(*attached);
    }
    const auto list = engine::BackendGuard::devices(!o.rpc.empty());
    if (o.json) {
        json out = json::array();
        for (const auto& d : list) {
            out.push_back({{"name", d.name},
                           {"description", d.description},
                           {"type", d.type},
                           {"memory_free", d.memory_free},
                           {"memory_total", d.memory_total}});
        }
        std::cout << out.dump(2) << "\n";
        return 0;
    }
    std::printf("%-12s %-6s %12s %12s  %s\n", "NAME", "TYPE", "FREE", "TOTAL", "DESCRIPTION");
    for (const auto& d : list) {
        std::printf("%-12s %-6s %12s %12s  %s\n", d.name.c_str(), d.type.c_str(),
                    registry::format_bytes(d.memory_free).c_str(), registry::format_bytes(d.memory_total).c_str(),
                    d.description.c_str());
    }
    return 0;
}

}  // namespace

int load_model(const AdminOptions& options, const std::string& id) {
    return load_one(options, id);
}

void add_admin_commands(CLI::App& app, AdminOptions& o) {
    CLI::App* load = app.add_subcommand("load", "Load models on a running server (progress on a terminal)");
    load->add_option("names", o.names, "Model names")->required();
    CLI::App* unload = app.add_subcommand("unload", "Unload models on a running server");
    unload->add_option("names", o.names, "Model names")->required();
    CLI::App* stat = app.add_subcommand("status", "Loaded, loading and failed models of a running server");
    stat->add_flag("--json", o.json, "JSON instead of a table");
    for (CLI::App* command : {load, unload, stat}) {
        command->add_option("--url", o.url, "Server root")->capture_default_str();
        command->add_option("--api-key", o.api_key, "Bearer token")->envname("HEARTH_API_KEY");
        command->add_option("--timeout", o.timeout_s, "Seconds to wait for the server")->check(CLI::Range(1, 86400));
    }
    CLI::App* devs = app.add_subcommand("devices", "The ggml devices of this machine, with free/total memory");
    devs->add_flag("--json", o.json, "JSON instead of a table");
    devs->add_option("--rpc", o.rpc, "Also the devices of these rpc-workers (host:port, comma-separated)")
        ->delimiter(',');
}

int run_admin_command(const CLI::App& app, AdminOptions& options) {
    int failures = 0;
    if (app.got_subcommand("load") || app.got_subcommand("unload")) {
        const bool load = app.got_subcommand("load");
        for (const auto& name : options.names) {
            failures += load ? load_one(options, name) : unload_one(options, name);
        }
        return failures > 0 ? 1 : 0;
    }
    if (app.got_subcommand("status")) {
        return status(options);
    }
    return devices(options);
}

}  // namespace hearth::cli
