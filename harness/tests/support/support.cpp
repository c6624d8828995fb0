#include "support.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <csignal>
#include <poll.h>
#include <sstream>

namespace websec::test {

json load_vectors(std::string_view profile, std::string_view name) {
  std::string path = std::string(WEBSEC_VECTORS_DIR) + "/" + std::string(profile) + "/" + std::string(name) + ".json";
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot open vectors " << path;
    return json::object();
  }
  try {
    return json::parse(in);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "malformed vectors " << path << ": " << e.what();
    return json::object();
  }
}

std::string latin1(const json& s) {
  std::string out;
  const std::string utf8 = s.get<std::string>();
  for (size_t i = 0; i < utf8.size();) {
    unsigned char c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
    } else if ((c & 0xE0) == 0xC0 && i + 1 < utf8.size()) {
      unsigned cp = ((c & 0x1F) << 6) | (static_cast<unsigned char>(utf8[i + 1]) & 0x3F);
      out.push_back(static_cast<char>(cp & 0xFF));
      i += 2;
    } else {
      ADD_FAILURE() << "latin1 segment has a code point above U+00FF";
      return out;
    }
  }
  return out;
}

std::string segments_to_bytes(const json& segments) {
  if (segments.is_string()) return latin1(segments);
  if (segments.is_object()) return segments_to_bytes(json::array({segments}));
  std::string out;
  for (const auto& seg : segments) {
    if (seg.is_string()) {
      out += latin1(seg);
    } else if (seg.contains("latin1")) {
      out += latin1(seg["latin1"]);
    } else if (seg.contains("fill")) {
      const json& f = seg["fill"];
      char byte = f.is_number() ? static_cast<char>(f.get<int>()) : latin1(f).at(0);
      out.append(seg["count"].get<size_t>(), byte);
    } else if (seg.contains("hex")) {
      out += from_hex(seg["hex"].get<std::string>());
    } else if (seg.contains("utf8")) {
      out += seg["utf8"].get<std::string>();
    } else {
      ADD_FAILURE() << "unknown body segment " << seg.dump();
    }
  }
  return out;
}

std::string to_hex(std::string_view bytes) {
  static const char* d = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(d[c >> 4]);
    out.push_back(d[c & 15]);
  }
  return out;
}

std::string from_hex(std::string_view hex) {
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(nib(hex[i]) * 16 + nib(hex[i + 1])));
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
  return to_hex(std::string_view(reinterpret_cast<char*>(md), len));
}

process_result run_process(const std::vector<std::string>& args, std::string_view input, int timeout_ms) {
  process_result r;
  if (args.empty()) return r;
  // a child that exits before reading all its input (e.g. a tool refusing input over its size limit) must not kill
  // the test with SIGPIPE: the write fails with EPIPE instead, and the rest of the input is dropped
  static const bool sigpipe_ignored = [] { return std::signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();
  (void)sigpipe_ignored;
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe(in_pipe) || pipe(out_pipe) || pipe(err_pipe)) return r;
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return r;
  if (pid == 0) {
    std::signal(SIGPIPE, SIG_DFL);  // the child gets the default disposition back
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) close(fd);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
  size_t written = 0;
  bool in_open = true;
  if (input.empty()) {
    close(in_pipe[1]);
    in_open = false;
  }
  bool out_open = true, err_open = true;
  char buf[65536];
  while (out_open || err_open) {
    struct pollfd fds[3];
    int n = 0;
    int io = -1, oo = -1, eo = -1;
    if (in_open) { fds[n] = {in_pipe[1], POLLOUT, 0}; io = n++; }
    if (out_open) { fds[n] = {out_pipe[0], POLLIN, 0}; oo = n++; }
    if (err_open) { fds[n] = {err_pipe[0], POLLIN, 0}; eo = n++; }
    int ready = poll(fds, n, timeout_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (ready == 0) break;  // timed out: killed below
    if (io >= 0 && fds[io].revents) {
      ssize_t w = write(in_pipe[1], input.data() + written, input.size() - written);
      if (w > 0) written += static_cast<size_t>(w);
      if (w < 0 && errno != EAGAIN) written = input.size();
      if (written >= input.size()) { close(in_pipe[1]); in_open = false; }
    }
    if (oo >= 0 && fds[oo].revents) {
      ssize_t k = read(out_pipe[0], buf, sizeof buf);
      if (k > 0) r.out.append(buf, static_cast<size_t>(k)); else { close(out_pipe[0]); out_open = false; }
    }
    if (eo >= 0 && fds[eo].revents) {
      ssize_t k = read(err_pipe[0], buf, sizeof buf);
      if (k > 0) r.err.append(buf, static_cast<size_t>(k)); else { close(err_pipe[0]); err_open = false; }
    }
  }
  if (in_open) close(in_pipe[1]);
  if (out_open || err_open) kill(pid, SIGKILL);
  if (out_open) close(out_pipe[0]);
  if (err_open) close(err_pipe[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

python_result run_python(const std::string& program, std::string_view input) {
  return run_process({WEBSEC_PYTHON, "-c", program}, input);
}

bool python_has(const std::vector<std::string>& modules) {
  std::string prog = "import ";
  for (size_t i = 0; i < modules.size(); ++i) prog += (i ? ", " : "") + modules[i];
  return run_python(prog).exit_code == 0;
}

std::uint64_t test_seed(std::uint64_t fallback) {
  if (const char* s = std::getenv("WEBSEC_TEST_SEED")) return std::strtoull(s, nullptr, 0);
  return fallback;
}

}  // namespace websec::test
