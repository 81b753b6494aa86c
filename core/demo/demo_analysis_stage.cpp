#include "core/demo/demo_analysis_stage.h"

namespace taxoscope::core {

Result<void> run_analysis_stage(const Workspace& workspace, uint64_t /*seed*/,
                                ProgressSink& /*progress*/, const CancelToken& /*cancel*/) {
    return fail(ErrorCode::Unsupported, "the analysis engine is not part of this build, so " +
                                            workspace.paths().analysis_summary().string() +
                                            " was not written");
}

}  // namespace taxoscope::core
