#!/bin/bash -eu
# SPDX-License-Identifier: Apache-2.0
# ClusterFuzzLite build: the OSS-Fuzz build script of the repository, unchanged.
exec "$SRC/websec/scripts/oss-fuzz/build.sh"
