#include "cli/cli_app.h"

#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/command_admin.h"
#include "cli/command_bench.h"
#include "cli/command_chat.h"
#include "cli/command_models.h"
#include "cli/command_pull.h"
#include "cli/command_rpc.h"
#include "cli/command_serve.h"
#include "util/log.h"
#include "util/version.h"

namespace hearth::cli {

int run_cli(int argc, char** argv) {
    CLI::App app{"hearth: a local, private AI inference server"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "hearth " + std::string(HEARTH_VERSION));
    std::string log_level = "info";
    app.add_option("--log-level", log_level, "debug, info, warn or error")
        ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
        ->capture_default_str();
    ServeOptions serve;
    add_serve_command(app, serve);
    BenchOptions bench;
    add_bench_command(app, bench);
    ModelsOptions models;
    add_models_commands(app, models);
    AdminOptions admin;
    add_admin_commands(app, admin);
    PullCommandOptions pull;
    add_pull_command(app, pull);
    ChatOptions chat;
    add_chat_command(app, chat);
    RpcWorkerCommandOptions rpc_worker;
    add_rpc_worker_command(app, rpc_worker);
    // CLI11 would only say "a subcommand is required" for a misspelt command: name it instead.
    const std::string first = argc > 1 ? argv[1] : "";
    const auto named_first = [&first](const CLI::App* sub) { return sub->check_name(first); };
    if (!first.empty() && first[0] != '-' && app.get_subcommands(named_first).empty()) {
        std::cerr << "hearth: unknown command '" << first << "' (see hearth --help)\n";
        return 2;
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    log::Level level = log::Level::INFO;
    log::parse_level(log_level, level);
    log::init(level);
    if (app.got_subcommand("serve")) {
        return run_serve(serve);
    }
    if (app.got_subcommand("bench")) {
        return run_bench(app, bench);
    }
    if (app.got_subcommand("chat")) {
        return run_chat(chat);
    }
    if (app.got_subcommand("rpc-worker")) {
        return run_rpc_worker(rpc_worker);
    }
    if (app.got_subcommand("pull")) {
        return run_pull(pull);
    }
    for (const char* command : {"add", "list", "rm"}) {
        if (app.got_subcommand(command)) {
            return run_models_command(app, models);
        }
    }
    return run_admin_command(app, admin);
}

}  // namespace hearth::cli
