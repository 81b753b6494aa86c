// Precompiled for every core translation unit (and reused by tests): LibTorch's headers dominate
// build time otherwise.
#pragma once

#include <torch/script.h>
#include <torch/torch.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <nlohmann/json.hpp>
