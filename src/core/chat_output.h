#pragma once
// A chat model's output as an assistant message: visible content, reasoning ("thinking") and tool calls, and
// the increments a stream sends of it. The engine's parser (the model's chat format) produces them from the
// generated text; the api layer formats them. No JSON: tool arguments are JSON text.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hearth::core {

struct ToolCall {
    std::string id;
    std::string name;
    std::string arguments;  // JSON text (partial while streaming)

    bool operator==(const ToolCall&) const = default;
};

struct ChatOutput {
    std::string content;
    std::string reasoning_content;
    std::vector<ToolCall> tool_calls;

    bool operator==(const ChatOutput&) const = default;
};

// One increment of a streamed message: text appended to reasoning or content, or a piece of tool call
// `tool_index`. A call's id and name come once, in its first delta (with arguments possibly empty); later
// deltas of the call carry argument text only.
struct ChatDelta {
    std::string reasoning_content;
    std::string content;
    std::optional<size_t> tool_index;
    ToolCall tool_call;

    static ChatDelta reasoning(std::string text) {
        ChatDelta d;
        d.reasoning_content = std::move(text);
        return d;
    }
    static ChatDelta text(std::string text) {
        ChatDelta d;
        d.content = std::move(text);
        return d;
    }
    // A call's first delta carries id and name; later ones only argument text (id and name empty).
    static ChatDelta tool(size_t index, ToolCall call) {
        ChatDelta d;
        d.tool_index = index;
        d.tool_call = std::move(call);
        return d;
    }
};

// Turns one choice's generated text into the message, piece by piece. Single-threaded (the handler's).
class ChatOutputParser {
public:
    virtual ~ChatOutputParser() = default;
    // Adds generated text; returns what the message gained that is certain (partial input is parsed
    // leniently and held back where it may still change, e.g. a tool call's name).
    virtual std::vector<ChatDelta> push(std::string_view text) = 0;
    // The generation ended: parses the whole text as final and returns the rest of the message. Never fails:
    // output that does not match the model's format ends as whatever parsed (or the text as content).
    virtual std::vector<ChatDelta> finish() = 0;
    // Everything the deltas returned so far add up to.
    virtual const ChatOutput& message() const = 0;
};

}  // namespace hearth::core
