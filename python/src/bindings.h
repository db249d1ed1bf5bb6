#pragma once

#include <nanobind/nanobind.h>

namespace ufb::python {

// Each adds its part of the extension module ufb._ufb.
void bind_text_model(nanobind::module_& module);
void bind_fff(nanobind::module_& module);

}  // namespace ufb::python
