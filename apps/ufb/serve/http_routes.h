#pragma once

// Binds the server's routes to cpp-httplib: authentication, admission (429), 404/405, TEI-shaped
// error bodies for what the library itself refuses (413 body size, 400 malformed HTTP), and
// metrics for every answered request.

#include <httplib.h>

#include "server_state.h"

namespace ufb::serve {

void install_routes(httplib::Server& server, const ServerState& state);

}  // namespace ufb::serve
