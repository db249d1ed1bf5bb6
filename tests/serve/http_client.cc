#include "http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace ufb::serve_test {

int connect_to(int port) {
  const int socket_fd = socket(AF_INET, SOCK_STREAM, 0);
  if (socket_fd < 0) return -1;
  timeval timeout{120, 0};  // a hung server fails the test instead of hanging it
  setsockopt(socket_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(socket_fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    close(socket_fd);
    return -1;
  }
  return socket_fd;
}

void send_all(int socket_fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t sent = send(socket_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent <= 0) return;  // the server may refuse a body early (413) and close
    bytes.remove_prefix(static_cast<size_t>(sent));
  }
}

HttpResponse read_response(int socket_fd) {
  std::string raw;
  char chunk[16384];
  for (ssize_t got; (got = recv(socket_fd, chunk, sizeof chunk, 0)) > 0;) raw.append(chunk, static_cast<size_t>(got));
  HttpResponse response;
  const size_t header_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.1 ", 0) != 0 || header_end == std::string::npos) return response;
  response.status = std::stoi(raw.substr(9, 3));
  response.headers = raw.substr(0, header_end);
  response.body = raw.substr(header_end + 4);
  return response;
}

std::string request_bytes(std::string_view method, std::string_view path, std::string_view body,
                          std::string_view extra_headers) {
  std::string request = std::string(method) + " " + std::string(path) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  request += "Content-Type: application/json\r\nConnection: close\r\n";
  request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  request += std::string(extra_headers) + "\r\n";
  request += body;
  return request;
}

HttpResponse http_request(int port, std::string_view method, std::string_view path, std::string_view body,
                          std::string_view extra_headers) {
  const int socket_fd = connect_to(port);
  if (socket_fd < 0) return {};
  send_all(socket_fd, request_bytes(method, path, body, extra_headers));
  HttpResponse response = read_response(socket_fd);
  close(socket_fd);
  return response;
}

}  // namespace ufb::serve_test
