#!/bin/bash
# The sources follow .clang-format (run 'scripts/lint.sh --fix' to mend).
exec sh "$SRC_DIR/scripts/lint.sh"
