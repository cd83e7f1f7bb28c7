#!/bin/sh
# build-native.sh - the postinstall of mail2sms: compiles every @serialport/bindings-cpp in
# node_modules with node-gyp (npm puts its node-gyp on the PATH of install scripts). Its own
# installer, node-gyp-build, keeps the prebuilt binary shipped in the package unless
# npm_config_build_from_source=true, which npm 11 warns about; the compiled build/Release is the
# one node-gyp-build loads first. better-sqlite3 is compiled by its installer (.prebuild-installrc).
set -eu
for dir in node_modules/@serialport/bindings-cpp node_modules/*/node_modules/@serialport/bindings-cpp; do
  if [ -f "$dir/binding.gyp" ]; then
    echo "build-native: compiling $dir"
    (cd "$dir" && node-gyp rebuild)
  fi
done
