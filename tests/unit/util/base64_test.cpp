// Base64 as browsers decode data: URLs: RFC 4648 vectors, whitespace skipped, padding optional but exact,
// and every malformed input refused.

#include "util/base64.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace hearth {
namespace {

TEST(Base64, Rfc4648Vectors) {
    const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                           {"f", "Zg=="},
                                                           {"fo", "Zm8="},
                                                           {"foo", "Zm9v"},
                                                           {"foob", "Zm9vYg=="},
                                                           {"fooba", "Zm9vYmE="},
                                                           {"foobar", "Zm9vYmFy"}};
    for (const auto& [plain, encoded] : vectors) {
        EXPECT_EQ(base64_encode(plain), encoded);
        const auto decoded = base64_decode(encoded);
        ASSERT_TRUE(decoded) << encoded;
        EXPECT_EQ(*decoded, plain) << encoded;
    }
}

TEST(Base64, RoundTripsEveryByteValueAndLength) {
    std::mt19937 rng(7);
    for (size_t length = 0; length < 70; ++length) {
        std::string bytes(length, '\0');
        for (char& c : bytes) {
            c = static_cast<char>(rng() & 0xFF);
        }
        const auto decoded = base64_decode(base64_encode(bytes));
        ASSERT_TRUE(decoded) << length;
        EXPECT_EQ(*decoded, bytes) << length;
    }
    std::string all(256, '\0');
    for (int i = 0; i < 256; ++i) {
        all[i] = static_cast<char>(i);
    }
    EXPECT_EQ(base64_decode(base64_encode(all)).value_or(""), all);
}

TEST(Base64, SkipsAsciiWhitespaceAnywhere) {
    EXPECT_EQ(base64_decode("Zm9v\nYmFy").value_or("?"), "foobar");
    EXPECT_EQ(base64_decode(" Zm9v\r\n\tYm Fy \f").value_or("?"), "foobar");
    EXPECT_EQ(base64_decode("Zg= =").value_or("?"), "f");  // as atob(): whitespace goes before padding is read
    EXPECT_EQ(base64_decode("Zg==\n").value_or("?"), "f");
}

TEST(Base64, PaddingMayBeLeftOut) {
    EXPECT_EQ(base64_decode("Zg").value_or("?"), "f");
    EXPECT_EQ(base64_decode("Zm8").value_or("?"), "fo");
}

TEST(Base64, RefusesMalformedInput) {
    for (const char* bad : {
             "Z",         // a lone sextet is less than a byte
             "Zm9vY",     // the same after a whole quantum
             "Zg=",       // padding that does not complete the quantum
             "Zm8==",     // too much padding
             "Zg===",     // far too much
             "====",      // padding only
             "Zm9v=",     // padding after a whole quantum
             "Zg==Zg==",  // data after padding
             "Zm=9",      // '=' in the middle
             "Zm9v-_",    // URL-safe alphabet
             "Zm9v*",     // not base64 at all
             "Zm9v\v",    // vertical tab is not ASCII whitespace to WHATWG
         }) {
        EXPECT_FALSE(base64_decode(bad).has_value()) << bad;
    }
    EXPECT_FALSE(base64_decode(std::string("Zm9v\0Zm9v", 9)).has_value());
    EXPECT_FALSE(base64_decode("Zm9v\xC3\xA9").has_value());  // non-ASCII
}

TEST(Base64, IgnoresLeftoverBitsAsBrowsersDo) {
    // "Zh" carries bits beyond the one byte it encodes; atob("Zh") is "f" too.
    EXPECT_EQ(base64_decode("Zh").value_or("?"), "f");
    EXPECT_EQ(base64_decode("Zh==").value_or("?"), "f");
}

}  // namespace
}  // namespace hearth
