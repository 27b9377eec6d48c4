#!/usr/bin/env bash
# Starts a virtual PC/SC reader holding a virtual ICAO document, for the PC/SC tests:
# pcscd with the vsmartcard reader driver (vpcd) and the Keis emulated chip connected to
# it (device/examples/virtual-icc.rs), so tests go through pcsc-lite and a reader driver.
#
#   scripts/virtual-card.sh start [--td3|--td1]   # as root on Debian; returns once a card is present
#   scripts/virtual-card.sh stop                  # stops what `start` started
#
#   --td3 (default)  the Doc 9303 TD3 specimen passport: BAC with MRZ L898902C / 690806 /
#                    940623; DG1, DG2, DG11, DG12.
#   --td1            the TD1 specimen ID card: PACE with CAN 123456 (or the MRZ), or BAC.
#
# Why not vsmartcard's `vicc -t ePass`: Debian bookworm's python3-virtualsmartcard 3.3
# does not run under Python 3 (its module lands outside sys.path, it imports `Crypto`
# where Debian ships `Cryptodome`, its ePass generator calls Python 2's raw_input, and
# TLVutils.pack joins a list of ints as bytes, crashing while building EF.COM).
#
# Installs nothing. Needs the Debian packages pcscd pcsc-tools vsmartcard-vpcd
# libpcsclite-dev, and cargo to build the emulator (or KEIS_VIRTUAL_ICC=/path/to/virtual-icc).
# vsmartcard is GPL: its driver is run here, never vendored.
set -euo pipefail

STATE_DIR="${KEIS_VIRTUAL_CARD_DIR:-/tmp/keis-virtual-card}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WAIT_SECONDS="${KEIS_VIRTUAL_CARD_WAIT:-30}"

die() { echo "virtual-card: $*" >&2; exit 1; }

stop_pid() {
    local file="$STATE_DIR/$1.pid"
    if [[ -f "$file" ]]; then
        local pid
        pid="$(cat "$file")"
        if kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
        rm -f "$file"
    fi
}

stop() {
    stop_pid card
    stop_pid pcscd
}

start_pcscd() {
    [[ -e /usr/lib/pcsc/drivers/serial/libifdvpcd.so ]] || die "vsmartcard-vpcd is not installed"
    # pcscd must (re)start after vpcd is installed to load its reader ("Virtual PCD 00 00").
    if ps -C pcscd -o stat= 2>/dev/null | grep -qv "^Z"; then
        if command -v systemctl >/dev/null && systemctl is-active --quiet pcscd 2>/dev/null; then
            systemctl restart pcscd
        else
            die "a pcscd not started by this script is running; stop it first"
        fi
    else
        mkdir -p /run/pcscd
        pcscd --foreground >"$STATE_DIR/pcscd.log" 2>&1 &
        echo $! >"$STATE_DIR/pcscd.pid"
    fi
}

start_emulator() {
    local kind="$1" bin="${KEIS_VIRTUAL_ICC:-}"
    if [[ -z "$bin" ]]; then
        (cd "$REPO" && cargo build -q -p keis-device --features test-support --example virtual-icc)
        bin="${CARGO_TARGET_DIR:-$REPO/target}/debug/examples/virtual-icc"
    fi
    "$bin" "--$kind" >"$STATE_DIR/card.log" 2>&1 &
    echo $! >"$STATE_DIR/card.pid"
}

start() {
    local card="${1:---td3}"
    [[ "$(id -u)" -eq 0 ]] || die "run as root (pcscd needs /run/pcscd)"
    command -v pcscd >/dev/null || die "pcscd is missing; apt-get install pcscd pcsc-tools vsmartcard-vpcd"
    command -v pcsc_scan >/dev/null || die "pcsc_scan is missing; apt-get install pcsc-tools"
    mkdir -p "$STATE_DIR"
    stop
    start_pcscd
    case "$card" in
        --td1) start_emulator td1 ;;
        --td3) start_emulator td3 ;;
        *) die "unknown card $card (use --td3 or --td1)" ;;
    esac
    for _ in $(seq "$WAIT_SECONDS"); do
        if timeout 5 pcsc_scan -c -t 1 2>/dev/null | grep -q "Card inserted"; then
            echo "virtual-card: ready"
            return 0
        fi
        sleep 1
    done
    echo "--- pcscd.log" >&2; tail -20 "$STATE_DIR/pcscd.log" >&2 || true
    echo "--- card.log" >&2; tail -20 "$STATE_DIR/card.log" >&2 || true
    die "no card appeared in ${WAIT_SECONDS}s"
}

case "${1:-start}" in
    start) start "${2:---td3}" ;;
    stop) stop ;;
    *) die "usage: $0 start [--td3|--td1] | stop" ;;
esac
