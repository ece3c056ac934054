// hearth: one binary for the server and its command-line tools.

#include "cli/cli_app.h"

int main(int argc, char** argv) {
    return hearth::cli::run_cli(argc, argv);
}
