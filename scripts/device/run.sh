#!/usr/bin/env bash
# The prepared device run (issue: GPU training through WebGPU), one call of at most 10 minutes on the GPU machine:
# adapter info; a gradient check of a NAFNet against the cpu backend; bench:train on webgpu at widths 16/32/64
# (batch 8, 64x64), at the bar's shape (width 32, batch 16, 128x128) and at the paper's (nafnet-5d's blocks, width 64,
# batch 16, 256x256), each beside PyTorch (fp32, eager) on the same GPU; and a short MaskDCPT pre-training and
# fine-tuning of nafnet-5d on a 5D build of the bundled photos (steps/s, first and last loss). One report file.
#
#   (on the device) tar xJf .device/uir-bundle.tar.xz -C /tmp && /tmp/uir/run.sh "$OUT"
#   (here, a dry run on lavapipe at tiny sizes) scripts/device/dry-run.sh
#
# Stages have their own time limits so that one slow stage cannot take the others' time.
set -uo pipefail
B="$(cd "$(dirname "$0")" && pwd)"
OUT="${1:-$PWD/device-out}"; MODE="${2:-gpu}"
mkdir -p "$OUT"; REPORT="$OUT/device-report.md"; LOG="$OUT/device-log.txt"
export PATH="$B/node/bin:$PATH" XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
cd "$B"
say() { echo "$@" | tee -a "$REPORT"; }
# a stage: its output (less Dawn's lavapipe limit warnings) into the report and the log, its exit status after it
stage() {
  local name="$1" limit="$2"; shift 2
  say ""; say "## $name"; say '```'
  timeout "$limit" "$@" 2>&1 | grep --line-buffered -v '^Warning: maxDynamic' | tee -a "$LOG" >> "$REPORT"
  say "(exit ${PIPESTATUS[0]})"; say '```'
}
: > "$REPORT"; : > "$LOG"

say "# uir device run ($(date -u +%FT%TZ), mode $MODE, node $(node --version), $(nproc) cores)"

if [ "$MODE" = gpu ]; then
  # the Vulkan loader (the NVIDIA driver is there, its loader is not): the device README's recipe
  for f in "$B"/debs/*.deb; do dpkg -x "$f" /; done; ldconfig
  [ -e /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ] && export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  say "$(nvidia-smi -L 2>&1 | head -2)"
  PY=python3; DEVICE=cuda; T=20
  WIDTHS=16,32,64; BAR="--widths 32 --batch 16 --patch 128"; PAPER="--widths 64 --batch 16 --patch 256 --blocks 1,1,1,28/1/1,1,1,1"
  ARCH=nafnet-5d; TRAIN="--batch 16 --patch 256"; STEPS=40; CHECK="--width 16 --size 64 --batch 2"
else
  PY=/usr/bin/python3; DEVICE=cpu; T=2
  WIDTHS=8; BAR="--widths 8 --batch 2 --patch 32"; PAPER="--widths 8 --batch 1 --patch 32 --blocks 1,1,1,2/1/1,1,1,1"
  ARCH=nafnet-tiny; TRAIN="--batch 2 --patch 32"; STEPS=3; CHECK="--width 8 --size 32 --batch 1"
fi

stage "adapter" 60 node --input-type=module -e "import { probeWebGpu, adapterName } from '$B/dist/src/model/backend.js'; const a = probeWebGpu(); console.log(a ? adapterName(a) + (a.software ? ' (software)' : ' (GPU)') + ', max buffer ' + a.maxBufferSize + ', max storage binding ' + a.maxStorageBufferBindingSize : 'no WebGPU adapter');"
stage "gradient check against the cpu backend" 120 node dist/bench/gpu-check.js $CHECK
BT="node dist/bench/train.js --backend webgpu --steps $T --device $DEVICE --python $PY --torch-threads 8 --torch-script $B/reference/torch_nafnet_bench.py"
stage "bench:train, batch 8, 64x64 (data fed from disk too: the data-wait share)" 150 $BT --widths $WIDTHS --fed --kernels --json "$OUT/train-widths.json"
stage "bench:train at the bar's shape" 90 $BT $BAR --json "$OUT/train-bar.json"
stage "bench:train at the paper's shape" 120 $BT $PAPER --json "$OUT/train-paper.json"

D=/tmp/uir-device-5d; rm -rf "$D"
stage "MaskDCPT: 5D build, pre-training and fine-tuning of $ARCH" 180 bash -c "
  node bin/uir.js build-dataset -r recipes/5d.json -s 'photos/*.png' -o $D/data --progress none &&
  node bin/uir.js train --data $D/data --arch $ARCH $TRAIN --steps $STEPS --ckpt-every $STEPS --backend webgpu --progress none --out $D/pre &&
  node bin/uir.js finetune --data $D/data --init $D/pre/ckpt-$(printf %07d $STEPS).safetensors $TRAIN --steps $STEPS --ckpt-every $STEPS --backend webgpu --progress none --out $D/ft &&
  for r in pre ft; do node -e \"const l=require('fs').readFileSync('$D/'+process.argv[1]+'/metrics.jsonl','utf8').trim().split('\\\\n').map(JSON.parse); const a=l[0], z=l[l.length-1], s=(z.seconds-a.seconds)/(l.length-1); console.log(process.argv[1]+': '+l.length+' steps, '+(1/s).toFixed(2)+' steps/s after the first, loss '+a.loss.toFixed(4)+' -> '+z.loss.toFixed(4)+', data wait '+(100*z.dataWait/z.seconds).toFixed(1)+'%')\" \$r; done"
say ""; say "report: $REPORT"
