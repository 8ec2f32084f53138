// run_service's start-up: a service's own options are read once, before
// anything starts, and a bad one ends the process with exit code 2.

#include "kumo/service.hpp"

#include <gtest/gtest.h>

using namespace kumo;

TEST(service, a_bad_service_option_exits_2_before_anything_starts) {
  int configured = 0;
  bool started = false;
  service_definition def;
  def.name = "config-test";
  def.uses_database = false;
  def.options = {{"answer", option_kind::integer, "42", "test option"}};
  def.configure = [&](const settings& values) -> result<void> {
    ++configured;
    EXPECT_EQ(values.integer("answer"), 42);
    return invalid("is not the answer", "answer");
  };
  def.start = [&](service_context&) -> drainable_actor {
    started = true;
    return {};
  };
  EXPECT_EQ(run_service(0, nullptr, def), 2);
  EXPECT_EQ(configured, 1) << "the options are read once";
  EXPECT_FALSE(started);
}
