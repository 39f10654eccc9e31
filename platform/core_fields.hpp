// The YAML keys of the built-in block kinds' parameter structs (the tables the loader binds,
// `--set` overrides and validation go through).
#pragma once

#include "atleus/models/reram_core.hpp"
#include "atleus/models/roofline_core.hpp"
#include "atleus/models/sfu.hpp"
#include "atleus/models/systolic_core.hpp"
#include "atleus/platform/param_binding.hpp"

namespace atleus {

const FieldTable<ReramCoreParams>& reram_fields();
const FieldTable<SfuParams>& sfu_fields();
const FieldTable<SystolicCoreParams>& systolic_fields();
const FieldTable<RooflineCoreParams>& roofline_fields();

}  // namespace atleus
