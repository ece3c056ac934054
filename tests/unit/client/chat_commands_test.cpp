// The terminal chat's state and /commands: what each command changes, what it refuses (and that a refusal
// changes nothing), and the request body the session builds from its settings and turns.

#include "client/chat_commands.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace hearth::client {
namespace {

using nlohmann::json;

ChatSession session() {
    ChatSettings s;
    s.model = "qwen";
    return ChatSession(s);
}

TEST(ChatCommands, APlainLineIsAPrompt) {
    ChatSession chat = session();
    EXPECT_EQ(run_command(chat, "hello /set").action, CommandAction::PROMPT);
    EXPECT_EQ(run_command(chat, "").action, CommandAction::PROMPT);
}

TEST(ChatCommands, ExitCommands) {
    ChatSession chat = session();
    for (const char* line : {"/bye", "/exit", " /quit "}) {
        EXPECT_EQ(run_command(chat, line).action, CommandAction::EXIT) << line;
    }
}

TEST(ChatCommands, SetAndUnsetEverySetting) {
    ChatSession chat = session();
    EXPECT_FALSE(run_command(chat, "/set temperature 0.5").error);
    EXPECT_FALSE(run_command(chat, "/set top_p 0.9").error);
    EXPECT_FALSE(run_command(chat, "/set top_k 40").error);
    EXPECT_FALSE(run_command(chat, "/set max_tokens 64").error);
    EXPECT_FALSE(run_command(chat, "/set seed 3").error);
    EXPECT_FALSE(run_command(chat, "/set system  You are terse.  ").error);
    const ChatSettings& s = chat.settings();
    EXPECT_EQ(s.temperature, 0.5);
    EXPECT_EQ(s.top_p, 0.9);
    EXPECT_EQ(s.top_k, 40);
    EXPECT_EQ(s.max_tokens, 64);
    EXPECT_EQ(s.seed, 3);
    EXPECT_EQ(s.system, "You are terse.");
    const CommandResult shown = run_command(chat, "/set");
    EXPECT_NE(shown.message.find("top_k 40"), std::string::npos) << shown.message;
    for (const char* name : {"temperature", "top_p", "top_k", "max_tokens", "seed", "system"}) {
        EXPECT_FALSE(run_command(chat, std::string("/unset ") + name).error) << name;
    }
    EXPECT_FALSE(s.temperature || s.top_p || s.top_k || s.max_tokens || s.seed);
    EXPECT_TRUE(s.system.empty());
}

TEST(ChatCommands, BadValuesAreRefusedAndChangeNothing) {
    ChatSession chat = session();
    ASSERT_FALSE(run_command(chat, "/set temperature 1").error);
    for (const char* line :
         {"/set temperature 2.5", "/set temperature -1", "/set temperature nan", "/set temperature 1x",
          "/set temperature", "/set top_p 1.5", "/set top_k -2", "/set max_tokens 0", "/set seed 1.5",
          "/set colour blue", "/unset colour", "/unset", "/frobnicate"}) {
        const CommandResult r = run_command(chat, line);
        EXPECT_EQ(r.action, CommandAction::HANDLED) << line;
        EXPECT_TRUE(r.error) << line;
        EXPECT_FALSE(r.message.empty()) << line;
    }
    EXPECT_EQ(chat.settings().temperature, 1.0);
    EXPECT_FALSE(chat.settings().top_p || chat.settings().top_k || chat.settings().max_tokens);
}

TEST(ChatCommands, SystemShowsOrSets) {
    ChatSession chat = session();
    EXPECT_EQ(run_command(chat, "/system").message, "(no system prompt)");
    run_command(chat, "/system Be kind.");
    EXPECT_EQ(run_command(chat, "/system").message, "Be kind.");
}

TEST(ChatSession, TheBodyCarriesSettingsAndTurnsAndClearForgetsTurnsOnly) {
    ChatSession chat = session();
    run_command(chat, "/set system Be kind.");
    run_command(chat, "/set temperature 0.25");
    chat.add_turn("hi", "hello!");
    json body = json::parse(chat.request_body("again"));
    EXPECT_EQ(body["model"], "qwen");
    EXPECT_EQ(body["stream"], true);
    EXPECT_EQ(body["stream_options"]["include_usage"], true);
    EXPECT_EQ(body["temperature"], 0.25);
    EXPECT_FALSE(body.contains("top_p"));
    const json expected = json::parse(R"([{"role":"system","content":"Be kind."},{"role":"user","content":"hi"},
        {"role":"assistant","content":"hello!"},{"role":"user","content":"again"}])");
    EXPECT_EQ(body["messages"], expected);
    EXPECT_EQ(run_command(chat, "/clear").message, "Cleared the conversation.");
    body = json::parse(chat.request_body("again"));
    EXPECT_EQ(body["messages"].size(), 2U);
    EXPECT_EQ(body["temperature"], 0.25);
}

}  // namespace
}  // namespace hearth::client
