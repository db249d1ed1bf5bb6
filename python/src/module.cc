// The extension module ufb._ufb; the Python package ufb (python/ufb/__init__.py) wraps it with
// sentence-transformers' encode semantics.

#include <nanobind/nanobind.h>

#include "bindings.h"
#include "ufb/error.h"

NB_MODULE(_ufb, module) {
  // ufb::Error carries the one-line message the command line prints.
  nanobind::exception<ufb::Error>(module, "Error");
  ufb::python::bind_text_model(module);
  ufb::python::bind_fff(module);
}
