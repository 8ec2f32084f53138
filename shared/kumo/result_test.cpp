// kumo::result<T>: a value or a failure, and its conversion to caf::error /
// caf::expected at the actor adapters.

#include "kumo/errors.hpp"
#include "kumo/result.hpp"

#include <caf/sec.hpp>
#include <gtest/gtest.h>
#include <memory>
#include <sstream>
#include <string>

using namespace kumo;

namespace {

result<int> half(int x) {
  if (x % 2 != 0)
    return invalid("x = " + std::to_string(x) + " is odd", "x");
  return x / 2;
}

result<void> check_positive(int x) {
  if (x <= 0)
    return failure{errc::conflict, "not positive", {}};
  return {};
}

} // namespace

TEST(result, holds_a_value) {
  auto r = half(8);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r.has_value());
  EXPECT_EQ(*r, 4);
  *r = 5;
  EXPECT_EQ(*r, 5);
}

TEST(result, holds_a_failure_with_code_message_and_field) {
  auto r = half(3);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::invalid_argument);
  EXPECT_EQ(r.error().message, "x = 3 is odd");
  EXPECT_EQ(r.error().field, "x");
}

TEST(result, moves_a_value_out) {
  result<std::unique_ptr<int>> r{std::make_unique<int>(7)};
  ASSERT_TRUE(r);
  auto owned = *std::move(r);
  EXPECT_EQ(*owned, 7);
}

TEST(result, of_void_is_success_or_failure) {
  EXPECT_TRUE(check_positive(1));
  auto bad = check_positive(0);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, errc::conflict);
  EXPECT_EQ(bad.error().message, "not positive");
  EXPECT_EQ(bad.error().field, "");
}

TEST(result, to_error_keeps_code_and_message) {
  auto err = to_error(failure{errc::stale_lease, "lease lost", {}});
  EXPECT_EQ(code_of(err), errc::stale_lease);
  EXPECT_EQ(message_of(err), "lease lost");
  EXPECT_EQ(field_of(err), "");
  EXPECT_EQ(err, make_error(errc::stale_lease, "lease lost"));
}

TEST(result, to_error_preserves_the_field) {
  auto err = to_error(half(3).error());
  EXPECT_EQ(code_of(err), errc::invalid_argument);
  EXPECT_EQ(message_of(err), "x = 3 is odd");
  EXPECT_EQ(field_of(err), "x");
  auto back = failure_of(err);
  EXPECT_EQ(back.code, errc::invalid_argument);
  EXPECT_EQ(back.message, "x = 3 is odd");
  EXPECT_EQ(back.field, "x");
}

TEST(result, to_expected_carries_value_or_error) {
  auto good = to_expected(half(10));
  ASSERT_TRUE(good);
  EXPECT_EQ(*good, 5);
  auto bad = to_expected(half(1));
  ASSERT_FALSE(bad);
  EXPECT_EQ(code_of(bad.error()), errc::invalid_argument);
  EXPECT_EQ(field_of(bad.error()), "x");
  EXPECT_TRUE(to_expected(check_positive(2)));
  auto refused = to_expected(check_positive(-1));
  ASSERT_FALSE(refused);
  EXPECT_EQ(code_of(refused.error()), errc::conflict);
}

TEST(result, a_foreign_error_is_internal_with_its_rendering) {
  auto back = failure_of(caf::make_error(caf::sec::unexpected_message));
  EXPECT_EQ(back.code, errc::internal);
  EXPECT_FALSE(back.message.empty());
  EXPECT_EQ(to_string(errc::stale_lease), std::string{"stale_lease"});
}

TEST(result, a_failure_prints_its_message_and_field) {
  std::ostringstream out;
  out << half(3).error();
  EXPECT_EQ(out.str(), "x = 3 is odd [x]");
}
