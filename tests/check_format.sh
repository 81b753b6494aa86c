#!/usr/bin/env bash
# Fails when a tracked (or new, not ignored) C++ file differs from .clang-format's layout.
set -euo pipefail
clang_format=${1:-clang-format}
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.cpp' '*.h' 2>/dev/null \
  || find app core ui tests benchmarks -name '*.cpp' -o -name '*.h' 2>/dev/null)
existing=()
for f in "${files[@]}"; do [ -f "$f" ] && existing+=("$f"); done
if [ ${#existing[@]} -eq 0 ]; then
  echo "format check: no C++ files found" >&2
  exit 1
fi
"$clang_format" --dry-run --Werror --style=file "${existing[@]}"
echo "format check: ${#existing[@]} files follow .clang-format"
