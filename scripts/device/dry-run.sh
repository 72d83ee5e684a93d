#!/usr/bin/env bash
# The device run, here: builds the bundle, unpacks it and runs it on this machine's WebGPU adapter (lavapipe) at tiny
# sizes, as the device would run it (its Node, its node_modules, its report). Writes bench-out/device-dry-run/.
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/device/bundle.sh
rm -rf /tmp/uir-dry && mkdir -p /tmp/uir-dry && tar xJf .device/uir-bundle.tar.xz -C /tmp/uir-dry
/tmp/uir-dry/uir/run.sh "$PWD/bench-out/device-dry-run" dry
