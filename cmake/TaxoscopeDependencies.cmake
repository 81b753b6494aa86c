# Every dependency comes from Debian's packages (see bootstrap.sh). A user's own LibTorch, e.g. a
# CUDA build, is found first when its prefix is on CMAKE_PREFIX_PATH.
find_package(Torch REQUIRED)
find_package(OpenCV REQUIRED COMPONENTS core imgproc imgcodecs)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(tl-expected REQUIRED)
find_package(CLI11 REQUIRED)
find_package(ZLIB REQUIRED)
find_package(Threads REQUIRED)
# LibTorch's at::parallel_for is a template in its headers. With LibTorch's OpenMP backend (Debian's
# and PyTorch's builds) it splits a loop over threads only in code that is itself compiled with
# OpenMP; without the flag every parallel_for in taxoscope's own code runs on one thread.
find_package(OpenMP REQUIRED COMPONENTS CXX)

# TorchConfig.cmake lists CUDA libraries only for CUDA builds; Debian's CPU build ships the CUDA
# headers anyway, so the headers alone cannot tell.
if(TORCH_CUDA_LIBRARIES)
  set(TAXOSCOPE_WITH_CUDA ON)
else()
  set(TAXOSCOPE_WITH_CUDA OFF)
endif()
message(STATUS "taxoscope: LibTorch ${Torch_VERSION} from ${Torch_DIR} (CUDA: ${TAXOSCOPE_WITH_CUDA})")

if(TAXOSCOPE_BUILD_GUI OR TAXOSCOPE_BUILD_TESTS)
  find_package(Qt6 6.2 REQUIRED COMPONENTS Core Gui Widgets Svg PrintSupport Concurrent Test)
endif()
if(TAXOSCOPE_BUILD_GUI)
  find_package(QCustomPlotQt6 REQUIRED)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(GRAPHVIZ REQUIRED IMPORTED_TARGET libgvc libcgraph)
endif()
