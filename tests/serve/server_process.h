#pragma once

// Runs the real `ufb` binary from tests: `ufb serve` as a child process whose stdout the test
// reads (the listening line carries the port), and one-shot CLI commands whose output the
// server's answers are compared with.

#include <sys/types.h>

#include <string>
#include <vector>

namespace ufb::serve_test {

// The test models and tokenizer (tests/data).
std::string model_dir(const std::string& name);
std::string tokenizer_path();

class ServerProcess {
 public:
  // Starts `ufb serve ARGS... --port 0` and waits for its listening line.
  explicit ServerProcess(const std::vector<std::string>& args);
  // Stops a server still running with SIGTERM and expects exit status 0: every test thereby
  // checks a clean shutdown, and ThreadSanitizer's exit status for a report (66) fails it.
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  int port() const { return port_; }
  // The next line the server prints on stdout ("" at end of output); fails the test after 120 s.
  std::string read_line();
  // Sends SIGTERM and returns the exit status (128 + signal if a signal ended it).
  int terminate_and_wait();
  void send_signal(int signal_number) const;
  int wait();

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffered_;
  int port_ = 0;
};

// Runs `ufb ARGS...`, expects exit status 0 and returns its stdout.
std::string run_ufb(const std::vector<std::string>& args);

}  // namespace ufb::serve_test
