// LineInput over a pipe: lines with LF or CRLF, a last line without a line end, end of input, """ blocks
// over several lines, and a signal during a read reported as INTERRUPTED (the typed text dropped).

#include "client/line_input.h"

#include <gtest/gtest.h>

#include <csignal>
#include <string>
#include <thread>
#include <unistd.h>

namespace hearth::client {
namespace {

class Pipe {
public:
    Pipe() { EXPECT_EQ(pipe(fds_), 0); }
    ~Pipe() {
        ::close(fds_[0]);
        close_write();
    }
    Pipe(const Pipe&) = delete;
    Pipe& operator=(const Pipe&) = delete;
    int read_end() const { return fds_[0]; }
    void write(const std::string& s) {
        EXPECT_EQ(::write(fds_[1], s.data(), s.size()), static_cast<ssize_t>(s.size()));
    }
    void close_write() {
        if (fds_[1] >= 0) {
            ::close(fds_[1]);
            fds_[1] = -1;
        }
    }

private:
    int fds_[2] = {-1, -1};
};

TEST(LineInput, LinesThenEnd) {
    Pipe p;
    p.write("one\ntwo\r\nthree");
    p.close_write();
    LineInput input(p.read_end());
    std::string line;
    ASSERT_EQ(input.read_line(line), ReadStatus::LINE);
    EXPECT_EQ(line, "one");
    ASSERT_EQ(input.read_line(line), ReadStatus::LINE);
    EXPECT_EQ(line, "two");
    ASSERT_EQ(input.read_line(line), ReadStatus::LINE);
    EXPECT_EQ(line, "three");
    EXPECT_EQ(input.read_line(line), ReadStatus::END);
}

TEST(LineInput, TripleQuotesSpanLines) {
    Pipe p;
    p.write("\"\"\"first\nsecond\nthird\"\"\"\n\"\"\"one line\"\"\"\nplain\n\"\"\"unended\nrest\n");
    p.close_write();
    LineInput input(p.read_end());
    int continuations = 0;
    std::string prompt;
    ASSERT_EQ(input.read_prompt(prompt, [&continuations] { ++continuations; }), ReadStatus::LINE);
    EXPECT_EQ(prompt, "first\nsecond\nthird");
    EXPECT_EQ(continuations, 2);
    ASSERT_EQ(input.read_prompt(prompt), ReadStatus::LINE);
    EXPECT_EQ(prompt, "one line");
    ASSERT_EQ(input.read_prompt(prompt), ReadStatus::LINE);
    EXPECT_EQ(prompt, "plain");
    ASSERT_EQ(input.read_prompt(prompt), ReadStatus::LINE);
    EXPECT_EQ(prompt, "unended\nrest");
    EXPECT_EQ(input.read_prompt(prompt), ReadStatus::END);
}

void ignore_signal(int /*signal*/) {}

TEST(LineInput, ASignalInterruptsAWaitingRead) {
    struct sigaction action = {};
    struct sigaction old = {};
    action.sa_handler = ignore_signal;
    sigemptyset(&action.sa_mask);
    ASSERT_EQ(sigaction(SIGUSR1, &action, &old), 0);
    Pipe p;
    LineInput input(p.read_end());
    const pthread_t reader = pthread_self();
    std::thread signaller([reader] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        pthread_kill(reader, SIGUSR1);
    });
    std::string line;
    EXPECT_EQ(input.read_line(line), ReadStatus::INTERRUPTED);
    signaller.join();
    p.write("after\n");
    ASSERT_EQ(input.read_line(line), ReadStatus::LINE);
    EXPECT_EQ(line, "after");
    sigaction(SIGUSR1, &old, nullptr);
}

}  // namespace
}  // namespace hearth::client
