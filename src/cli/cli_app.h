#pragma once
// Command-line entry: parses arguments (CLI11) and runs one subcommand. Only main() decides the exit code.

namespace hearth::cli {

int run_cli(int argc, char** argv);

}  // namespace hearth::cli
