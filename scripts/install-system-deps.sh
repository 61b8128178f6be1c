#!/usr/bin/env bash
# Installs the Debian packages the test suite needs (brokers, emulators, cross compilers, wasm2c, a headless browser).
# Used by .ci/run and by developers on a fresh Debian/Ubuntu machine. Needs root (or sudo).
set -euo pipefail
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  mosquitto \
  qemu-system-arm qemu-system-misc \
  gcc-arm-none-eabi libnewlib-arm-none-eabi \
  gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf \
  wabt socat gcc libc6-dev \
  chromium >/dev/null
# The Debian mosquitto package starts a system broker on :1883; tests start their own on a free port.
if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl stop mosquitto >/dev/null 2>&1 || true; fi
echo "system packages installed"
