#include "events/connection_watch.hpp"

#include <arpa/inet.h>
#include <chrono>
#include <future>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace {

using namespace std::chrono_literals;
using kumo::gateway::connection_watch;
using kumo::gateway::find_connection_socket;

/// A loopback TCP connection: client end, server end, both ports.
struct tcp_pair {
  int client = -1;
  int server = -1;
  int client_port = 0;
  int server_port = 0;

  tcp_pair() {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr),
              0);
    listen(listener, 1);
    socklen_t len = sizeof addr;
    getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
    server_port = ntohs(addr.sin_port);
    client = socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_EQ(connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr),
              0);
    server = accept(listener, nullptr, nullptr);
    close(listener);
    len = sizeof addr;
    getsockname(client, reinterpret_cast<sockaddr*>(&addr), &len);
    client_port = ntohs(addr.sin_port);
  }
  ~tcp_pair() {
    if (client >= 0)
      close(client);
    if (server >= 0)
      close(server);
  }
};

TEST(connection_watch, finds_the_socket_of_a_connection) {
  tcp_pair c;
  EXPECT_EQ(find_connection_socket("127.0.0.1", c.client_port, c.server_port),
            c.server);
  EXPECT_EQ(find_connection_socket("127.0.0.1", c.server_port, c.client_port),
            c.client);
  EXPECT_EQ(find_connection_socket("127.0.0.2", c.client_port, c.server_port),
            -1);
}

TEST(connection_watch, reports_a_peer_that_hangs_up) {
  connection_watch watch;
  ASSERT_TRUE(watch.ok());
  tcp_pair c;
  std::promise<void> hung_up;
  watch.add(c.server, [&] { hung_up.set_value(); });
  auto f = hung_up.get_future();
  EXPECT_EQ(f.wait_for(100ms), std::future_status::timeout);
  close(c.client);
  c.client = -1;
  EXPECT_EQ(f.wait_for(5s), std::future_status::ready);
}

TEST(connection_watch, removed_sockets_are_not_reported) {
  connection_watch watch;
  tcp_pair c;
  std::atomic<int> calls{0};
  auto ticket = watch.add(c.server, [&] { calls++; });
  ASSERT_NE(ticket, 0u);
  watch.remove(ticket);
  close(c.client);
  c.client = -1;
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(calls.load(), 0);
}

TEST(connection_watch, cut_all_unblocks_a_writer_stuck_on_a_full_socket) {
  connection_watch watch;
  tcp_pair c;
  int small = 4096;
  setsockopt(c.client, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  setsockopt(c.server, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  watch.add(c.server, [] {});
  auto writer = std::async(std::launch::async, [&] {
    char buf[65536] = {0};
    for (;;)
      if (send(c.server, buf, sizeof buf, MSG_NOSIGNAL) < 0)
        return true; // the peer never reads: only the cut ends this
  });
  EXPECT_EQ(writer.wait_for(200ms), std::future_status::timeout);
  watch.cut_all();
  ASSERT_EQ(writer.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(writer.get());
}

} // namespace
