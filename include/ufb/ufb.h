#pragma once

// The public API of ufb for programs that run models on texts: TextModel (load a model directory
// or the built-in model; tokenize, embed, fill-mask, classify), DynamicBatcher (one model call for
// the inputs of many concurrent requests, as a server needs) and the FFF kernel for programs
// that bring their own layers. Link the CMake target ufb::ufb (find_package(ufb)).

#include "ufb/dynamic_batcher.h"
#include "ufb/error.h"
#include "ufb/ops/fff.h"
#include "ufb/text_input.h"
#include "ufb/text_model.h"
