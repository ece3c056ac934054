#pragma once
// Commands that talk to a running server (`hearth load NAME...`, `hearth unload NAME...`, `hearth status`)
// and `hearth devices` (this machine's ggml devices, no server needed).

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace hearth::cli {

struct AdminOptions {
    std::string url = "http://127.0.0.1:8080";
    std::string api_key;
    std::vector<std::string> names;
    bool json = false;
    int timeout_s = 600;
    std::vector<std::string> rpc;  // hearth devices --rpc
};

void add_admin_commands(CLI::App& app, AdminOptions& options);
// Loads one model on the server at options.url, with a progress bar on a terminal (what `hearth load` does for
// each name): 0 loaded, 1 failed (the reason on stderr).
int load_model(const AdminOptions& options, const std::string& id);
// 0 done, 1 failed (one line on stderr per failure).
int run_admin_command(const CLI::App& app, AdminOptions& options);

}  // namespace hearth::cli
