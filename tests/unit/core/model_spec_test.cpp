// Load option validation, model names and option overlays.

#include "core/model_spec.h"

#include <gtest/gtest.h>

#include <vector>

namespace hearth::core {
namespace {

TEST(LoadOptions, ValidRangesPassAndEachBadValueIsNamed) {
    LoadOptions ok;
    ok.n_ctx = 4096;
    ok.n_slots = 4;
    ok.flash_attn = "on";
    ok.type_k = "q8_0";
    ok.keep_alive_s = -1;
    ok.tensor_split = {3, 1};
    EXPECT_TRUE(validate(ok));

    const auto refused = [](LoadOptions o, const std::string& field) {
        auto valid = validate(o);
        ASSERT_FALSE(valid) << field;
        EXPECT_EQ(valid.error().code, ErrorCode::INVALID_ARGUMENT);
        EXPECT_EQ(valid.error().param, field);
    };
    LoadOptions o;
    o.n_ctx = 0;
    refused(o, "n_ctx");
    o = {};
    o.n_slots = 1000;
    refused(o, "n_slots");
    o = {};
    o.n_batch = -5;
    refused(o, "n_batch");
    o = {};
    o.flash_attn = "maybe";
    refused(o, "flash_attn");
    o = {};
    o.type_v = "q9";
    refused(o, "type_v");
    o = {};
    o.keep_alive_s = -2;
    refused(o, "keep_alive");
    o = {};
    o.tensor_split = {1, -1};
    refused(o, "tensor_split");
}

TEST(LoadOptions, PlacementOverDevicesAndWorkers) {
    LoadOptions ok;
    ok.rpc = {"127.0.0.1:50052", "gpu-box.lan:1", "[::1]:65535"};
    ok.split_mode = "row";
    ok.main_gpu = 1;
    EXPECT_TRUE(validate(ok));
    for (const char* bad : {"localhost", ":50052", "host:", "host:0", "host:65536", "host:12a", "a b:1", "h:123456"}) {
        LoadOptions o;
        o.rpc = {bad};
        auto valid = validate(o);
        ASSERT_FALSE(valid) << bad;
        EXPECT_EQ(valid.error().param, "rpc") << bad;
    }
    LoadOptions many;
    many.rpc.assign(17, "h:1");
    EXPECT_EQ(validate(many).error().param, "rpc");
    LoadOptions mode;
    mode.split_mode = "tensor";
    EXPECT_EQ(validate(mode).error().param, "split_mode");
    LoadOptions gpu;
    gpu.main_gpu = -1;
    EXPECT_EQ(validate(gpu).error().param, "main_gpu");

    LoadOptions over;
    over.rpc = {"h:2"};
    over.main_gpu = 2;
    const LoadOptions out = overlay(ok, over);
    EXPECT_EQ(out.rpc, std::vector<std::string>{"h:2"});
    EXPECT_EQ(out.split_mode, "row");
    EXPECT_EQ(out.main_gpu, 2);
}

TEST(ModelName, AllowedAndRefused) {
    for (const char* name : {"qwen", "qwen2.5:0.5b-q8_0", "org/model", "A_b-c"}) {
        EXPECT_TRUE(validate_model_name(name)) << name;
    }
    for (const std::string& name :
         std::vector<std::string>{"", ".hidden", "/abs", "has space", "semi;colon", std::string(129, 'a')}) {
        EXPECT_FALSE(validate_model_name(name)) << name;
    }
}

TEST(LoadOptions, OverlayTakesTheSetFields) {
    LoadOptions base;
    base.n_ctx = 2048;
    base.n_slots = 2;
    base.type_k = "f16";
    LoadOptions over;
    over.n_ctx = 512;
    over.tensor_split = {1, 1};
    const LoadOptions out = overlay(base, over);
    EXPECT_EQ(out.n_ctx, 512);
    EXPECT_EQ(out.n_slots, 2);
    EXPECT_EQ(out.type_k, "f16");
    EXPECT_EQ(out.tensor_split, (std::vector<float>{1, 1}));
    EXPECT_EQ(overlay(base, {}), base);
}

}  // namespace
}  // namespace hearth::core
