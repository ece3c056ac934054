#pragma once
// The model's generated text back into an assistant message (content, reasoning_content, tool_calls) with
// llama.cpp common's parser for the model's chat format (Hermes/Qwen, Llama 3.x, Mistral, DeepSeek, GPT-OSS,
// ...), the one ChatTemplate::render chose. The whole text is parsed again at every push (as llama-server
// does); what goes out are the increments over what already went out, so the deltas of a stream always add
// up to message(), which is also the non-streamed answer.

#include <functional>
#include <memory>
#include <string>

#include "core/chat_output.h"
#include "engine/chat_template.h"
#include "util/result.h"

namespace hearth::engine {

// new_tool_call_id names a call whose text carries no id of its own. Errors: INVALID_ARGUMENT when the
// serialized parser does not load.
Result<std::unique_ptr<core::ChatOutputParser>> make_chat_output_parser(const ChatParserSpec& spec,
                                                                        std::function<std::string()> new_tool_call_id);

}  // namespace hearth::engine
