// With chat_template.cpp, the only files that include llama.cpp common's chat API.

#include "engine/chat_output_parser.h"

#include <chat.h>

#include <exception>
#include <optional>
#include <utility>
#include <vector>

#include "util/log.h"

namespace hearth::engine {

namespace {

// The part of `now` beyond `sent`, or nothing when `now` no longer starts with it (a lenient partial parse
// changed its mind: what went out cannot be taken back, so the rest of that field is dropped).
std::string extension(const std::string& sent, const std::string& now) {
    if (now.size() <= sent.size() || now.compare(0, sent.size(), sent) != 0) {
        return {};
    }
    return now.substr(sent.size());
}

class PegChatOutputParser final : public core::ChatOutputParser {
public:
    PegChatOutputParser(common_chat_parser_params params, std::function<std::string()> new_id)
        : params_(std::move(params)), new_id_(std::move(new_id)) {}

    std::vector<core::ChatDelta> push(std::string_view text) override {
        text_ += text;
        std::optional<common_chat_msg> parsed = parse(true);
        if (!parsed) {
            return {};
        }
        return advance(*parsed, false);
    }

    std::vector<core::ChatDelta> finish() override {
        std::optional<common_chat_msg> parsed = parse(false);
        if (!parsed) {
            parsed = parse(true);  // cut short (length) or off-format: keep what did parse
        }
        if (!parsed) {
            // Nothing parsed at all: the text itself is the answer, rather than an empty one.
            parsed.emplace();
            parsed->content = text_;
        }
        return advance(*parsed, true);
    }

    const core::ChatOutput& message() const override { return sent_; }

private:
    std::optional<common_chat_msg> parse(bool partial) const {
        try {
            return common_chat_parse(text_, partial, params_);
        } catch (const std::exception& e) {
            if (!partial) {
                log::debug("chat output does not parse as final: {}", e.what());
            }
        } catch (...) {
        }
        return std::nullopt;
    }

    void add_text_deltas(const common_chat_msg& msg, std::vector<core::ChatDelta>& out) {
        if (std::string more = extension(sent_.reasoning_content, msg.reasoning_content); !more.empty()) {
            sent_.reasoning_content += more;
            out.push_back(core::ChatDelta::reasoning(std::move(more)));
        }
        if (std::string more = extension(sent_.content, msg.content); !more.empty()) {
            sent_.content += more;
            out.push_back(core::ChatDelta::text(std::move(more)));
        }
    }

    // A call goes out once its name is complete: when its arguments have begun, a later call exists, or the
    // text ended. Calls go out in order.
    void add_tool_deltas(const common_chat_msg& msg, bool final, std::vector<core::ChatDelta>& out) {
        for (size_t i = 0; i < msg.tool_calls.size(); ++i) {
            const common_chat_tool_call& call = msg.tool_calls[i];
            if (i < sent_.tool_calls.size()) {
                core::ToolCall& sent = sent_.tool_calls[i];
                if (std::string more = extension(sent.arguments, call.arguments); !more.empty()) {
                    sent.arguments += more;
                    out.push_back(core::ChatDelta::tool(i, {{}, {}, std::move(more)}));
                }
                continue;
            }
            const bool ready = final || i + 1 < msg.tool_calls.size() || !call.arguments.empty();
            if (!ready || call.name.empty()) {
                return;
            }
            if (ids_.size() <= i) {
                ids_.push_back(call.id.empty() ? new_id_() : call.id);
            }
            sent_.tool_calls.push_back({ids_[i], call.name, call.arguments});
            out.push_back(core::ChatDelta::tool(i, sent_.tool_calls.back()));
        }
    }

    std::vector<core::ChatDelta> advance(const common_chat_msg& msg, bool final) {
        std::vector<core::ChatDelta> out;
        add_text_deltas(msg, out);
        add_tool_deltas(msg, final, out);
        return out;
    }

    common_chat_parser_params params_;
    std::function<std::string()> new_id_;
    std::string text_;
    core::ChatOutput sent_;
    std::vector<std::string> ids_;
};

}  // namespace

Result<std::unique_ptr<core::ChatOutputParser>> make_chat_output_parser(const ChatParserSpec& spec,
                                                                        std::function<std::string()> new_tool_call_id) {
    common_chat_parser_params params;
    params.format = static_cast<common_chat_format>(spec.format);
    params.reasoning_format = static_cast<common_reasoning_format>(spec.reasoning_format);
    params.generation_prompt = spec.generation_prompt;
    try {
        if (!spec.parser.empty()) {
            params.parser.load(spec.parser);
        }
    } catch (const std::exception& e) {
        return make_error(ErrorCode::INVALID_ARGUMENT, std::string("chat output parser: ") + e.what());
    }
    return std::unique_ptr<core::ChatOutputParser>(
        std::make_unique<PegChatOutputParser>(std::move(params), std::move(new_tool_call_id)));
}

}  // namespace hearth::engine
