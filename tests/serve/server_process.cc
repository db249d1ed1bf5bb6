#include "server_process.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace ufb::serve_test {
namespace {

constexpr int kOutputTimeoutMs = 120'000;  // generous: CI machines are small and shared

// Starts UFB_BINARY with `args`; its stdout goes to the returned pipe end.
pid_t spawn_ufb(const std::vector<std::string>& args, int& stdout_fd) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
  std::vector<std::string> argv_strings = {UFB_BINARY};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    execv(UFB_BINARY, argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  if (pid < 0) throw std::runtime_error("fork failed");
  stdout_fd = pipe_fds[0];
  return pid;
}

int exit_status_of(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

std::string model_dir(const std::string& name) { return std::string(UFB_TEST_DATA_DIR) + "/model/" + name; }

std::string tokenizer_path() { return std::string(UFB_TEST_DATA_DIR) + "/cli/tokenizer.json"; }

ServerProcess::ServerProcess(const std::vector<std::string>& args) {
  std::vector<std::string> serve_args = {"serve"};
  serve_args.insert(serve_args.end(), args.begin(), args.end());
  serve_args.insert(serve_args.end(), {"--port", "0"});
  pid_ = spawn_ufb(serve_args, stdout_fd_);
  const std::string line = read_line();
  const std::string marker = "listening on http://127.0.0.1:";
  const size_t at = line.find(marker);
  if (at == std::string::npos) throw std::runtime_error("ufb serve did not start; it printed: " + line);
  port_ = std::stoi(line.substr(at + marker.size()));
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "ufb serve did not stop within 120 s of SIGTERM";
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "ufb serve ended with wait status " << status;
  }
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

std::string ServerProcess::read_line() {
  for (;;) {
    const size_t newline = buffered_.find('\n');
    if (newline != std::string::npos) {
      std::string line = buffered_.substr(0, newline);
      buffered_.erase(0, newline + 1);
      return line;
    }
    pollfd poll_fd{stdout_fd_, POLLIN, 0};
    if (poll(&poll_fd, 1, kOutputTimeoutMs) <= 0) {
      ADD_FAILURE() << "no output from ufb serve for " << kOutputTimeoutMs / 1000 << " s";
      return "";
    }
    char chunk[4096];
    const ssize_t got = read(stdout_fd_, chunk, sizeof chunk);
    if (got <= 0) return std::exchange(buffered_, "");
    buffered_.append(chunk, static_cast<size_t>(got));
  }
}

void ServerProcess::send_signal(int signal_number) const { kill(pid_, signal_number); }

int ServerProcess::wait() {
  const int status = exit_status_of(pid_);
  pid_ = -1;
  return status;
}

int ServerProcess::terminate_and_wait() {
  send_signal(SIGTERM);
  return wait();
}

std::string run_ufb(const std::vector<std::string>& args) {
  int stdout_fd = -1;
  const pid_t pid = spawn_ufb(args, stdout_fd);
  std::string output;
  char chunk[4096];
  for (ssize_t got; (got = read(stdout_fd, chunk, sizeof chunk)) > 0;) output.append(chunk, static_cast<size_t>(got));
  close(stdout_fd);
  EXPECT_EQ(exit_status_of(pid), 0) << "ufb failed; its output: " << output;
  return output;
}

}  // namespace ufb::serve_test
