#!/bin/bash -eu
# SPDX-License-Identifier: Apache-2.0
#
# OSS-Fuzz / ClusterFuzzLite build script of websec (the same file serves both; .clusterfuzzlite/build.sh calls it).
#
# Contract (google/oss-fuzz docs, infra/base-images/base-builder/compile): the builder sets CC, CXX, CFLAGS,
# CXXFLAGS (sanitizer and coverage flags included), LIB_FUZZING_ENGINE (a flag such as -fsanitize=fuzzer, or an
# archive such as /usr/lib/libFuzzingEngine.a for AFL++), SANITIZER, FUZZING_ENGINE, SRC, WORK and OUT.
# This script builds only the library and the fuzz targets (no GoogleTest/RapidCheck: OSS-Fuzz builds with
# libc++), statically against OpenSSL and zlib, and puts into $OUT for every target t of fuzz_targets.txt:
#   $OUT/t                 the fuzz target
#   $OUT/t_seed_corpus.zip corpora/t/ (seeds and regressions/)
#   $OUT/t.dict            corpora/t.dict
#   $OUT/t.options         corpora/t.options, if the target has one
# (for a twin t = <target>_sa or <target>_fast: the corpus, dictionary and options of <target>)
# scripts/oss-fuzz/check-build runs this script outside Docker with the same variables.

src_dir="${WEBSEC_SRC_DIR:-$SRC/websec}"
build_dir="$WORK/websec-build-${FUZZING_ENGINE:-libfuzzer}-${SANITIZER:-address}"
python=$(command -v python3)
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

cmake -S "$src_dir" -B "$build_dir" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE=OSSFuzz \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DWEBSEC_FUZZ_ENGINE=oss-fuzz -DWEBSEC_FUZZ_LINK="${LIB_FUZZING_ENGINE:-}" \
  -DWEBSEC_BUILD_TESTS=OFF -DBUILD_TESTING=OFF -DWEBSEC_BUILD_CLI=OFF -DWEBSEC_BUILD_SERVER=OFF \
  -DWEBSEC_BUILD_PYTHON=OFF -DWEBSEC_BUILD_BENCH=OFF \
  -DOPENSSL_USE_STATIC_LIBS=TRUE -DZLIB_USE_STATIC_LIBS=ON \
  -DWEBSEC_PYTHON_EXECUTABLE="$python"
cmake --build "$build_dir" --target websec_fuzzers -j"$(nproc)"

while read -r t; do
  [ -n "$t" ] || continue
  cp "$build_dir/fuzz/$t" "$OUT/$t"
  # a twin (<target>_sa: structure-aware, <target>_fast: cheaper) ships its target's corpus, dictionary and options
  base=$t
  case "$t" in *_sa) base=${t%_sa} ;; *_fast) base=${t%_fast} ;; esac
  if [ -d "$src_dir/corpora/$base" ]; then
    rm -f "$OUT/${t}_seed_corpus.zip"
    (cd "$src_dir/corpora/$base" && zip -q -r -X "$OUT/${t}_seed_corpus.zip" . -x '.*')
  fi
  if [ -f "$src_dir/corpora/$base.dict" ]; then cp "$src_dir/corpora/$base.dict" "$OUT/$t.dict"; fi
  if [ -f "$src_dir/corpora/$base.options" ]; then cp "$src_dir/corpora/$base.options" "$OUT/$t.options"; fi
done < "$build_dir/fuzz_targets.txt"
