// harness/server/server_test_support.hpp — what the websec-server tests share: a minimal HTTP response reader,
// the security headers every response carries, and the built server started on 127.0.0.1 ephemeral ports and driven
// over plain sockets (server_test.cpp, server_abuse_test.cpp).
#pragma once

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <map>
#include <regex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace websec::server::test {

using namespace std::chrono_literals;

// ---- a minimal HTTP response reader --------------------------------------------------------------------------

struct reply {
  int status = 0;
  std::multimap<std::string, std::string> headers;  // lower-cased names
  std::string body;
  std::string header(const std::string& n) const {
    auto it = headers.find(n);
    return it == headers.end() ? std::string() : it->second;
  }
  bool has(const std::string& n) const { return headers.count(n) > 0; }
};

/// Parses every response in `raw` (HEAD responses: pass head=true, no body is read).
inline std::vector<reply> parse_replies(std::string raw, bool head = false) {
  std::vector<reply> out;
  while (!raw.empty()) {
    auto end = raw.find("\r\n\r\n");
    if (end == std::string::npos) break;
    reply r;
    std::string head_text = raw.substr(0, end);
    raw.erase(0, end + 4);
    std::size_t pos = head_text.find("\r\n");
    std::string status_line = head_text.substr(0, pos);
    r.status = std::atoi(status_line.c_str() + 9);
    while (pos != std::string::npos) {
      std::size_t next = head_text.find("\r\n", pos + 2);
      std::string line = head_text.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
      auto colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      r.headers.emplace(name, value);
      pos = next;
    }
    if (r.status / 100 == 1) continue;
    std::size_t len = r.has("content-length") ? std::stoul(r.header("content-length")) : 0;
    if (!head) {
      r.body = raw.substr(0, len);
      raw.erase(0, std::min(len, raw.size()));
    }
    out.push_back(std::move(r));
  }
  return out;
}

inline void expect_security_headers(const reply& r, bool https) {
  EXPECT_EQ(r.header("content-security-policy"), "default-src 'self'; object-src 'none'") << r.status;
  EXPECT_EQ(r.header("x-content-type-options"), "nosniff") << r.status;
  EXPECT_EQ(r.header("x-frame-options"), "SAMEORIGIN") << r.status;
  EXPECT_EQ(r.header("referrer-policy"), "strict-origin-when-cross-origin") << r.status;
  if (https)
    EXPECT_EQ(r.header("strict-transport-security"), "max-age=31536000; includeSubDomains") << r.status;
  else
    EXPECT_FALSE(r.has("strict-transport-security")) << r.status;
}

inline std::string get(const std::string& target, const std::string& extra = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + "\r\n";
}


// ---- the built server over sockets ----------------------------------------------------------------------------

struct live_server {
  pid_t pid = -1;
  int https_port = 0, http_port = 0;

  /// Starts WEBSEC_SERVER_BIN with `args`; with `nofile` > 0 the server runs with RLIMIT_NOFILE = nofile.
  explicit live_server(std::vector<std::string> args, rlim_t nofile = 0) {
    int out[2];
    if (pipe(out) != 0) return;
    pid = fork();
    if (pid == 0) {
      if (nofile > 0) {
        rlimit rl{nofile, nofile};
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) _exit(126);
      }
      dup2(out[1], 1);
      close(out[0]);
      std::vector<char*> argv{const_cast<char*>(WEBSEC_SERVER_BIN)};
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(WEBSEC_SERVER_BIN, argv.data());
      _exit(127);
    }
    close(out[1]);
    std::string line;
    char c;
    pollfd p{out[0], POLLIN, 0};
    while (poll(&p, 1, 5000) > 0 && read(out[0], &c, 1) == 1 && c != '\n') line += c;
    close(out[0]);
    std::smatch m;
    if (std::regex_search(line, m, std::regex("\"https_port\":(\\d+)"))) https_port = std::stoi(m[1]);
    if (std::regex_search(line, m, std::regex("\"http_port\":(\\d+)"))) http_port = std::stoi(m[1]);
  }
  ~live_server() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
  /// SIGTERM; returns the exit status and how long it took, or -1.
  int stop(std::chrono::milliseconds& took) {
    auto t0 = std::chrono::steady_clock::now();
    kill(pid, SIGTERM);
    int status = 0;
    for (int i = 0; i < 300; ++i) {
      if (waitpid(pid, &status, WNOHANG) == pid) {
        took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(10ms);
    }
    return -1;
  }
};

/// A blocking TCP connection to 127.0.0.1:`port`, from the loopback address `source` when given (any 127.x.y.z
/// binds on Linux, so tests can act as several clients); -1 on failure.
inline int connect_to(int port, const char* source = nullptr) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (source) {
    sockaddr_in src{};
    src.sin_family = AF_INET;
    if (inet_pton(AF_INET, source, &src.sin_addr) != 1 || bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) {
      close(fd);
      return -1;
    }
  }
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

inline bool send_all(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = send(fd, s.data(), s.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    s.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

/// Reads until the peer closes or `timeout` passes; `closed` tells which.
inline std::string read_all(int fd, std::chrono::milliseconds timeout, bool* closed = nullptr) {
  std::string out;
  auto end = std::chrono::steady_clock::now() + timeout;
  char buf[16384];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()).count();
    if (left <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) break;
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      if (closed) *closed = true;
      return out;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  if (closed) *closed = false;
  return out;
}


}  // namespace websec::server::test
