#pragma once
// Test-only fault injection, for the fault-containment tests (tests/e2e/isolation.test.mjs): with the environment
// variable HEARTH_TEST_FAULT_DIR set to a folder, a text engine loaded from NAME (a model file's base name) ends
// its process with abort() inside a decode, from ggml's abort callback in the middle of the graph, once the
// file <folder>/abort-in-decode-NAME exists: what an engine assertion reached by some input does. Without the
// variable (always, outside tests) nothing is armed and nothing is checked.

#include <atomic>
#include <string>

namespace hearth::engine {

class FaultInjection {
public:
    // Armed for the model file at `model_path` when HEARTH_TEST_FAULT_DIR is set.
    explicit FaultInjection(const std::string& model_path);

    // Engine thread, before each decode: whether this decode should abort (its trigger file exists).
    void before_decode();
    // From ggml's abort callback, inside the decode: ends the process when before_decode() said so.
    void check_inside_decode() const;

private:
    std::string trigger_;  // empty: not armed
    std::atomic<bool> abort_now_{false};
};

}  // namespace hearth::engine
