#pragma once

// A deliberately small HTTP/1.1 client on raw sockets, so that tests can also send what no
// well-behaved client library would: bytes that are not UTF-8, half a body, a hang-up.

#include <string>
#include <string_view>

namespace ufb::serve_test {

struct HttpResponse {
  int status = 0;  // 0: no answer (connection failed or closed early)
  std::string headers;
  std::string body;
};

// A connected loopback socket, or -1.
int connect_to(int port);
void send_all(int socket_fd, std::string_view bytes);
// Reads until the server closes the connection (requests are sent with Connection: close).
HttpResponse read_response(int socket_fd);

// The request's bytes: Content-Type application/json, Content-Length and Connection: close are
// added; `extra_headers` are complete "Name: value\r\n" lines.
std::string request_bytes(std::string_view method, std::string_view path, std::string_view body,
                          std::string_view extra_headers = "");

HttpResponse http_request(int port, std::string_view method, std::string_view path, std::string_view body = "",
                          std::string_view extra_headers = "");
inline HttpResponse post(int port, std::string_view path, std::string_view body) {
  return http_request(port, "POST", path, body);
}
inline HttpResponse get(int port, std::string_view path) { return http_request(port, "GET", path); }

}  // namespace ufb::serve_test
