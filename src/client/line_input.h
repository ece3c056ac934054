#pragma once
// Line input for the terminal chat, read straight from a file descriptor so that Ctrl-C (SIGINT, handled
// without SA_RESTART) interrupts a read at the prompt instead of ending the program; a prompt may span lines
// between """ marks, as in `ollama run`.
// Thread contract: one LineInput per descriptor, used by one thread.

#include <functional>
#include <string>

namespace hearth::client {

enum class ReadStatus {
    LINE,
    END,          // end of input (Ctrl-D on an empty line, or the pipe closed)
    INTERRUPTED,  // a signal arrived while waiting; what was typed is dropped
};

class LineInput {
public:
    explicit LineInput(int fd) : fd_(fd) {}

    // One line, without its line end.
    ReadStatus read_line(std::string& line);
    // One prompt: a line, or the lines from one starting with """ to one ending with """ (the marks dropped,
    // lines joined by '\n'). `more` is called before each continuation line (to show a "..." prompt). END in
    // the middle of a multi-line prompt ends it with what was read.
    ReadStatus read_prompt(std::string& prompt, const std::function<void()>& more = {});

private:
    int fd_;
    std::string buffer_;
};

}  // namespace hearth::client
