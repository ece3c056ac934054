// The only file that includes llama.cpp common's chat API. common uses nlohmann/json internally, but its
// headers expose only common_json (a pimpl), so the engine still never sees JSON types.

#include "engine/chat_template.h"

#include <chat.h>

#include <exception>

namespace hearth::engine {

namespace {

// llama-server reads "enable_thinking" out of the kwargs into its own input; mirror that so templates that
// test enable_thinking behave the same here.
Result<void> apply_enable_thinking(const std::map<std::string, std::string>& kwargs,
                                   common_chat_templates_inputs& inputs) {
    const auto it = kwargs.find("enable_thinking");
    if (it == kwargs.end()) {
        return {};
    }
    if (it->second == "true" || it->second == "false") {
        inputs.enable_thinking = it->second == "true";
        return {};
    }
    return make_error(ErrorCode::INVALID_ARGUMENT, "chat_template_kwargs.enable_thinking must be a boolean",
                      "chat_template_kwargs");
}

}  // namespace

ChatTemplate ChatTemplate::from_model(const llama_model* model) {
    ChatTemplate out;
    if (model == nullptr) {
        out.unavailable_reason_ = "no model";
        return out;
    }
    try {
        chat_templates_ptr templates(common_chat_templates_init(model, "").release());
        // Without a template in the file, common falls back to ChatML; a base model must not pretend to chat.
        if (!common_chat_templates_was_explicit(templates.get())) {
            out.unavailable_reason_ = "this model has no chat template (tokenizer.chat_template is not in the file)";
            return out;
        }
        out.templates_ = std::move(templates);
    } catch (const std::exception& e) {
        out.unavailable_reason_ = std::string("this model's chat template cannot be parsed: ") + e.what();
    } catch (...) {
        out.unavailable_reason_ = "this model's chat template cannot be parsed";
    }
    return out;
}

Result<std::string> ChatTemplate::apply(const std::vector<ChatMessage>& messages, bool add_generation_prompt,
                                        const std::map<std::string, std::string>& kwargs) const {
    if (!available()) {
        return make_error(ErrorCode::UNSUPPORTED, unavailable_reason_);
    }
    common_chat_templates_inputs inputs;
    inputs.use_jinja = true;
    inputs.add_generation_prompt = add_generation_prompt;
    inputs.chat_template_kwargs = kwargs;
    if (auto thinking = apply_enable_thinking(kwargs, inputs); !thinking) {
        return thinking.error();
    }
    inputs.messages.reserve(messages.size());
    for (const ChatMessage& m : messages) {
        common_chat_msg msg;
        msg.role = m.role;
        msg.content = m.content;
        inputs.messages.push_back(std::move(msg));
    }
    // Both a kwarg that is not JSON and a template's raise_exception() surface as exceptions: they are the
    // request's fault, never the server's.
    try {
        return common_chat_templates_apply(templates_.get(), inputs).prompt;
    } catch (const std::exception& e) {
        return make_error(ErrorCode::INVALID_ARGUMENT, std::string("chat template: ") + e.what());
    } catch (...) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "chat template: rendering failed");
    }
}

}  // namespace hearth::engine
