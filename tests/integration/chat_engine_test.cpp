// The engine's chat pieces on generated models carrying real templates (hearth-mkmodel's tiny-qwen2,
// tiny-llama, tiny-mistral, tiny-qwen3): tools and tool turns rendered into the prompt, the grammars the
// templates ask for (required/named strict, auto lazy, schemas), and the output parser turning each family's
// tool-call text back into calls, piece by piece, with the deltas adding up to the message.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <unistd.h>
#include <vector>

#include "engine/backend.h"
#include "engine/chat_output_parser.h"
#include "engine/llama_text_engine.h"

namespace hearth {
namespace {

using engine::ChatMessage;
using engine::ChatRequest;
using engine::LlamaTextEngine;

const engine::ChatTool WEATHER{"get_weather", "Current weather in a city",
                               R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})"};
const engine::ChatTool TIME{"get_time", "Current time in a zone", R"({"type":"object","properties":{}})"};

// ctest runs every test in a process of its own: each model is generated once per build (into the build
// tree, again when hearth-mkmodel is newer than it) and loaded only by the tests that use it.
std::string generated_model(const std::string& preset) {
    namespace fs = std::filesystem;
    const fs::path dir(HEARTH_CHAT_MODELS_DIR);
    const fs::path file = dir / (preset + ".gguf");
    std::error_code ec;
    if (fs::exists(file, ec) && fs::last_write_time(file, ec) >= fs::last_write_time(HEARTH_MKMODEL, ec)) {
        return file.string();
    }
    fs::create_directories(dir, ec);
    // Written aside and renamed: tests running in parallel never load half a file.
    const fs::path partial = dir / (preset + "." + std::to_string(::getpid()) + ".part");
    const std::string command = std::string(HEARTH_MKMODEL) + " --preset " + preset + " --type f16 -o " +
                                partial.string() + " > /dev/null 2>&1";
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    fs::rename(partial, file, ec);
    return file.string();
}

class ChatEngineTest : public ::testing::Test {
protected:
    static void TearDownTestSuite() { engines_.clear(); }

    static const LlamaTextEngine& model(const std::string& preset) {
        static engine::BackendGuard backend;
        auto& slot = engines_[preset];
        if (!slot) {
            engine::TextEngineOptions options;
            options.path = generated_model(preset);
            options.n_ctx_per_slot = 512;
            options.n_batch = 64;
            options.n_ubatch = 64;
            options.n_threads = 1;
            auto engine = LlamaTextEngine::load(options);
            if (!engine) {
                ADD_FAILURE() << preset << ": " << engine.error().message;
                std::abort();
            }
            slot = std::move(engine).value();
        }
        return *slot;
    }

    static engine::ChatPrompt render(const std::string& preset, ChatRequest request) {
        if (request.messages.empty()) {
            request.messages.emplace_back("user", "What is the weather in Oslo?");
        }
        auto prompt = model(preset).render_chat(request);
        EXPECT_TRUE(prompt) << preset << ": " << (prompt ? "" : prompt.error().message);
        return prompt ? *prompt : engine::ChatPrompt{};
    }

    // Feeds `text` to a parser in pieces of `piece` bytes and checks the deltas: a call's id and name once,
    // in its first delta; the deltas add up to message().
    static core::ChatOutput parse(const engine::ChatPrompt& prompt, const std::string& text, size_t piece = 3) {
        int next_id = 0;
        auto parser = engine::make_chat_output_parser(prompt.parser, [&] { return "id" + std::to_string(next_id++); });
        EXPECT_TRUE(parser);
        if (!parser) {
            return {};
        }
        core::ChatOutput sum;
        const auto add = [&](const std::vector<core::ChatDelta>& deltas) {
            for (const core::ChatDelta& d : deltas) {
                sum.reasoning_content += d.reasoning_content;
                sum.content += d.content;
                if (!d.tool_index) {
                    continue;
                }
                if (*d.tool_index == sum.tool_calls.size()) {
                    EXPECT_FALSE(d.tool_call.id.empty());
                    EXPECT_FALSE(d.tool_call.name.empty());
                    sum.tool_calls.push_back(d.tool_call);
                } else {
                    EXPECT_LT(*d.tool_index, sum.tool_calls.size());
                    EXPECT_TRUE(d.tool_call.id.empty() && d.tool_call.name.empty());
                    sum.tool_calls.at(*d.tool_index).arguments += d.tool_call.arguments;
                }
            }
        };
        for (size_t i = 0; i < text.size(); i += piece) {
            add((*parser)->push(text.substr(i, piece)));
        }
        add((*parser)->finish());
        EXPECT_EQ(sum, (*parser)->message());
        return (*parser)->message();
    }

    static std::map<std::string, std::unique_ptr<LlamaTextEngine>> engines_;
};

std::map<std::string, std::unique_ptr<LlamaTextEngine>> ChatEngineTest::engines_;

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST_F(ChatEngineTest, EveryFamilyRendersItsTools) {
    for (const char* preset : {"tiny-qwen2", "tiny-llama", "tiny-mistral", "tiny-qwen3"}) {
        const engine::ChatPrompt plain = render(preset, {});
        EXPECT_FALSE(contains(plain.prompt, "get_weather")) << preset;
        ChatRequest request;
        request.tools = {WEATHER, TIME};
        request.tool_choice = engine::ToolChoice::NONE;
        const engine::ChatPrompt with_tools = render(preset, request);
        EXPECT_TRUE(contains(with_tools.prompt, "get_weather")) << preset << ":\n" << with_tools.prompt;
        EXPECT_TRUE(contains(with_tools.prompt, "Current weather in a city")) << preset;
        EXPECT_TRUE(contains(with_tools.prompt, "get_time")) << preset;
        EXPECT_TRUE(with_tools.grammar.gbnf.empty()) << preset << ": tool_choice none constrains nothing";
    }
}

TEST_F(ChatEngineTest, ToolTurnsAreRenderedBack) {
    for (const char* preset : {"tiny-qwen2", "tiny-llama", "tiny-mistral", "tiny-qwen3"}) {
        ChatRequest request;
        request.tools = {WEATHER};
        request.messages.emplace_back("user", "Weather in Oslo?");
        ChatMessage call("assistant", "");
        call.tool_calls.push_back({"abcDEF123", "get_weather", R"({"city": "Oslo"})"});
        request.messages.push_back(call);
        ChatMessage result("tool", "minus three degrees");
        result.tool_call_id = "abcDEF123";
        result.tool_name = "get_weather";
        request.messages.push_back(result);
        const std::string prompt = render(preset, request).prompt;
        EXPECT_TRUE(contains(prompt, "Oslo")) << preset << ":\n" << prompt;
        EXPECT_TRUE(contains(prompt, "minus three degrees")) << preset << ":\n" << prompt;
    }
}

TEST_F(ChatEngineTest, RequiredAndNamedGrammarsAllowNoFreeText) {
    for (const char* preset : {"tiny-qwen2", "tiny-llama", "tiny-mistral"}) {
        ChatRequest request;
        request.tools = {WEATHER, TIME};
        request.tool_choice = engine::ToolChoice::REQUIRED;
        request.parallel_tool_calls = false;
        const engine::ChatPrompt required = render(preset, request);
        ASSERT_FALSE(required.grammar.gbnf.empty()) << preset;
        EXPECT_FALSE(required.grammar.lazy) << preset;
        const std::string root = required.grammar.gbnf.substr(required.grammar.gbnf.find("root ::="));
        EXPECT_FALSE(contains(root.substr(0, root.find('\n')), "until")) << preset << ":\n" << required.grammar.gbnf;
        auto resolved = model(preset).resolve_grammar(required.grammar);
        ASSERT_TRUE(resolved) << preset << ": " << resolved.error().message;

        request.forced_tool = "get_time";
        const engine::ChatPrompt named = render(preset, request);
        EXPECT_EQ(named.prompt, required.prompt) << preset << ": the model still sees every tool";
        EXPECT_TRUE(contains(named.grammar.gbnf, "get_time")) << preset;
        EXPECT_FALSE(contains(named.grammar.gbnf, "get_weather")) << preset;
    }
}

TEST_F(ChatEngineTest, AutoGrammarIsLazyAndTriggeredByTheCallMarker) {
    ChatRequest request;
    request.tools = {WEATHER};
    const engine::ChatPrompt prompt = render("tiny-qwen2", request);
    EXPECT_TRUE(prompt.grammar.lazy);
    auto resolved = model("tiny-qwen2").resolve_grammar(prompt.grammar);
    ASSERT_TRUE(resolved) << resolved.error().message;
    // The trigger is "<tool_call>\n", more than one token: it triggers as a pattern over the text.
    ASSERT_EQ(resolved->trigger_patterns.size(), 1u);
    EXPECT_TRUE(std::regex_search("Let me see. <tool_call>\n{", std::regex(resolved->trigger_patterns[0])));
    EXPECT_FALSE(std::regex_search("Let me see.", std::regex(resolved->trigger_patterns[0])));
    EXPECT_EQ(prompt.grammar.preserved_tokens, (std::vector<std::string>{"<tool_call>", "</tool_call>"}));
    // Llama 3's control tokens are single tokens: preserved, they reach the parser as text.
    EXPECT_EQ(model("tiny-llama").preserved_token_ids({"<|start_header_id|>", "no such token"}).size(), 1u);
    EXPECT_TRUE(resolved->prefill_tokens.empty());
}

TEST_F(ChatEngineTest, LazyGrammarsOfThinkingModelsKnowTheirThinkingBlock) {
    ChatRequest request;
    request.tools = {WEATHER};
    auto qwen3 = model("tiny-qwen3").resolve_grammar(render("tiny-qwen3", request).grammar);
    ASSERT_TRUE(qwen3) << qwen3.error().message;
    ASSERT_TRUE(qwen3->lazy);
    EXPECT_EQ(qwen3->reasoning_start, "<think>");
    EXPECT_EQ(qwen3->reasoning_ends, std::vector<std::string>{"</think>"});
    EXPECT_FALSE(qwen3->starts_in_reasoning);
    // QwQ's prompt ends inside the block it opened.
    auto qwq = model("tiny-qwq").resolve_grammar(render("tiny-qwq", request).grammar);
    ASSERT_TRUE(qwq) << qwq.error().message;
    EXPECT_TRUE(qwq->starts_in_reasoning);
    // Without reasoning extraction there is no block to keep the grammar out of.
    request.extract_reasoning = false;
    auto inline_thinking = model("tiny-qwen3").resolve_grammar(render("tiny-qwen3", request).grammar);
    ASSERT_TRUE(inline_thinking);
    EXPECT_TRUE(inline_thinking->reasoning_start.empty());
    // The Llama template does not think.
    request.extract_reasoning = true;
    auto llama = model("tiny-llama").resolve_grammar(render("tiny-llama", request).grammar);
    ASSERT_TRUE(llama);
    EXPECT_TRUE(llama->reasoning_start.empty());
}

TEST_F(ChatEngineTest, SchemasBecomeGrammarsOrClearErrors) {
    ChatRequest request;
    request.json_schema = R"({"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]})";
    const engine::ChatPrompt prompt = render("tiny-llama", request);
    EXPECT_FALSE(prompt.grammar.lazy);
    auto resolved = model("tiny-llama").resolve_grammar(prompt.grammar);
    ASSERT_TRUE(resolved) << resolved.error().message;
    EXPECT_FALSE(resolved->prefill_tokens.empty()) << "the grammar starts at the generation prompt";

    ChatRequest unresolvable;
    unresolvable.messages.emplace_back("user", "hi");
    unresolvable.json_schema = R"({"type":"object","properties":{"a":{"$ref":"#/$defs/none"}}})";
    auto bad = model("tiny-llama").render_chat(unresolvable);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_TRUE(contains(bad.error().message, "$ref")) << bad.error().message;

    engine::GrammarRequest garbage;
    garbage.gbnf = "root ::= (";
    auto refused = model("tiny-llama").resolve_grammar(garbage);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::INVALID_ARGUMENT);
}

TEST_F(ChatEngineTest, EachFamilysCallTextParsesIntoCalls) {
    struct Case {
        const char* preset;
        std::string output;
    };
    const Case cases[] = {
        {"tiny-qwen2",
         "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>\n"
         "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>"},
        {"tiny-llama", "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Oslo\"}}"},
        {"tiny-mistral",
         "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}, "
         "\"id\": \"abcDEF123\"}]"},
    };
    for (const Case& c : cases) {
        ChatRequest request;
        request.tools = {WEATHER, TIME};
        const engine::ChatPrompt prompt = render(c.preset, request);
        for (size_t piece : {1, 4, 1000}) {
            const core::ChatOutput message = parse(prompt, c.output, piece);
            ASSERT_GE(message.tool_calls.size(), 1u) << c.preset << " piece " << piece;
            EXPECT_EQ(message.tool_calls[0].name, "get_weather") << c.preset;
            EXPECT_TRUE(contains(message.tool_calls[0].arguments, "\"Oslo\"")) << message.tool_calls[0].arguments;
            EXPECT_EQ(message.content, "") << c.preset;
        }
    }
    ChatRequest request;
    request.tools = {WEATHER, TIME};
    const core::ChatOutput two = parse(render("tiny-qwen2", request), cases[0].output);
    ASSERT_EQ(two.tool_calls.size(), 2u);
    EXPECT_EQ(two.tool_calls[1].name, "get_time");
    EXPECT_NE(two.tool_calls[0].id, two.tool_calls[1].id);
}

TEST_F(ChatEngineTest, CutShortOrOffFormatOutputNeverFails) {
    ChatRequest request;
    request.tools = {WEATHER};
    const engine::ChatPrompt prompt = render("tiny-qwen2", request);
    const core::ChatOutput cut = parse(prompt, "Sure. <tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"ci");
    EXPECT_EQ(cut.content, "Sure. ");
    const core::ChatOutput prose = parse(prompt, "Just text, no calls </tool_call> {]");
    EXPECT_TRUE(prose.tool_calls.empty());
    EXPECT_TRUE(contains(prose.content, "Just text")) << prose.content;
}

TEST_F(ChatEngineTest, ThinkingBecomesReasoningContent) {
    const engine::ChatPrompt prompt = render("tiny-qwen3", {});
    const core::ChatOutput message = parse(prompt, "<think>\nPondering the weather.\n</think>\n\nIt is cold.");
    EXPECT_EQ(message.reasoning_content.rfind("Pondering the weather.", 0), 0u) << message.reasoning_content;
    EXPECT_EQ(message.content, "It is cold.");

    ChatRequest keep;
    keep.extract_reasoning = false;
    const core::ChatOutput inline_thinking = parse(render("tiny-qwen3", keep), "<think>\nHm.\n</think>\n\nIt is cold.");
    EXPECT_EQ(inline_thinking.reasoning_content, "");
    EXPECT_TRUE(contains(inline_thinking.content, "<think>")) << inline_thinking.content;

    ChatRequest off;
    off.kwargs["enable_thinking"] = "false";
    const engine::ChatPrompt no_thinking = render("tiny-qwen3", off);
    EXPECT_TRUE(contains(no_thinking.prompt, "<think>\n\n</think>")) << no_thinking.prompt;
    EXPECT_EQ(parse(no_thinking, "It is cold.").content, "It is cold.");
}

}  // namespace
}  // namespace hearth
