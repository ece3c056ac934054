#pragma once
// A chat output parser for formatter tests: hands out scripted deltas, one batch per push, the last batch on
// finish; message() adds them up.

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "core/chat_output.h"

namespace hearth::api {

// Hands out scripted deltas, one batch per push, the last batch on finish; message() adds them up.
class ScriptedParser final : public core::ChatOutputParser {
public:
    ScriptedParser(std::deque<std::vector<core::ChatDelta>> pushes, std::vector<core::ChatDelta> final)
        : pushes_(std::move(pushes)), final_(std::move(final)) {}

    std::vector<core::ChatDelta> push(std::string_view) override {
        if (pushes_.empty()) {
            return {};
        }
        std::vector<core::ChatDelta> out = pushes_.front();
        pushes_.pop_front();
        return add(out);
    }
    std::vector<core::ChatDelta> finish() override { return add(final_); }
    const core::ChatOutput& message() const override { return message_; }

private:
    std::vector<core::ChatDelta> add(std::vector<core::ChatDelta> deltas) {
        for (const core::ChatDelta& d : deltas) {
            message_.reasoning_content += d.reasoning_content;
            message_.content += d.content;
            if (d.tool_index) {
                if (*d.tool_index >= message_.tool_calls.size()) {
                    message_.tool_calls.push_back(d.tool_call);
                } else {
                    message_.tool_calls[*d.tool_index].arguments += d.tool_call.arguments;
                }
            }
        }
        return deltas;
    }

    std::deque<std::vector<core::ChatDelta>> pushes_;
    std::vector<core::ChatDelta> final_;
    core::ChatOutput message_;
};

inline core::ChatDelta reasoning(std::string text) {
    return core::ChatDelta::reasoning(std::move(text));
}
inline core::ChatDelta content(std::string text) {
    return core::ChatDelta::text(std::move(text));
}
inline core::ChatDelta call(size_t index, std::string id, std::string name, std::string arguments) {
    return core::ChatDelta::tool(index, {std::move(id), std::move(name), std::move(arguments)});
}
inline core::ChatDelta arguments(size_t index, std::string more) {
    return core::ChatDelta::tool(index, {{}, {}, std::move(more)});
}

// Thinking, then text and a weather call whose arguments arrive in two pieces; `final` on finish.
inline std::unique_ptr<core::ChatOutputParser> weather_script(std::vector<core::ChatDelta> final = {}) {
    return std::make_unique<ScriptedParser>(
        std::deque<std::vector<core::ChatDelta>>{{reasoning("think")},
                                                 {content("Let me check."), call(0, "call_a", "get_weather", "{\"ci")},
                                                 {arguments(0, "ty\":\"Oslo\"}")}},
        std::move(final));
}

}  // namespace hearth::api
