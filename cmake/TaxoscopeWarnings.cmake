# Warnings for taxoscope's own code; third-party headers come in as system headers.
add_library(taxoscope_warnings INTERFACE)
target_compile_options(taxoscope_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow=local -Wnon-virtual-dtor -Woverloaded-virtual
  -Wno-unknown-pragmas)
if(TAXOSCOPE_WERROR)
  target_compile_options(taxoscope_warnings INTERFACE -Werror)
endif()
# Qt's `slots` macro collides with LibTorch (c10::ivalue::Object::slots()): targets that see both
# link this. taxoscope's own Qt code always spells Q_SIGNALS / Q_SLOTS / Q_EMIT; QCustomPlot's
# header needs the keywords, so ui itself keeps them.
add_library(taxoscope_qt_no_keywords INTERFACE)
target_compile_definitions(taxoscope_qt_no_keywords INTERFACE QT_NO_KEYWORDS)

# Executables that include LibTorch reuse the core's precompiled header. GCC rejects a PCH built
# with -fPIC in a -fPIE compile, so such executables compile as PIC too (and still link as PIE).
function(taxoscope_reuse_torch_pch target)
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE OFF)
  target_compile_options(${target} PRIVATE -fPIC)
  target_precompile_headers(${target} REUSE_FROM taxoscope_core)
endfunction()
