#!/usr/bin/env bash
# Smoke test of the frozen app, run as a user would with nothing else installed: every program
# runs under `env -i` (no PATH, no Python, no virtual environment), from a .deb unpacked into a
# scratch folder or from a built dist/rdrs-gui/ folder.
#   packaging/smoke.sh dist/rdrs-gui_0.1.0_amd64.deb   (or dist/rdrs-gui)
# Steps: import the demo reviews, train a tagger (embedded encoder) inside the bundle,
# pre-annotate every review with it, render the editor to a PNG offscreen and, where Xvfb is
# installed, once more on a real X server; each PNG must be more than a flat colour.
# Leaves its files in $SMOKE_DIR (default: a new temporary folder) and prints where.
set -euo pipefail
TARGET=${1:?usage: packaging/smoke.sh DIST_FOLDER_OR_DEB}
W=${SMOKE_DIR:-$(mktemp -d /tmp/rdrs-smoke.XXXXXX)}
mkdir -p "$W"
W=$(cd "$W" && pwd)
t0=$(date +%s%N)
step() { local ms=$(( ($(date +%s%N) - t0) / 1000000 )); printf 'smoke [%4d.%d s] %s\n' $((ms / 1000)) $((ms % 1000 / 100)) "$*"; }

if [[ -f $TARGET && $TARGET == *.deb ]]; then
    step "unpacking $TARGET"
    dpkg-deb -x "$TARGET" "$W/root"
    APP=$W/root/opt/rdrs-gui
    for prog in rdrs rdrs-gui; do   # the launchers point at /opt: check them, then use the app directly
        grep -q "/opt/rdrs-gui/$prog" "$W/root/usr/bin/$prog"
    done
    test -f "$W/root/usr/share/applications/rdrs-gui.desktop"
else
    APP=$(cd "$TARGET" && pwd)
fi
test -x "$APP/rdrs" && test -x "$APP/rdrs-gui"
DEMO=$APP/_internal/resources/demo/demo.jsonl
DB=$W/smoke.sqlite
rm -rf "$DB" "$DB-wal" "$DB-shm" "$W/smoke.models" "$W/model" "$W/home"
mkdir -p "$W/home"
# Nothing of the build machine's: an empty environment, HOME a scratch folder (the user data
# folder lies under it), and the working directory outside the repository.
run() { (cd "$W" && env -i HOME="$W/home" "$@"); }

step "rdrs import (the demo reviews)"
run "$APP/rdrs" --db "$DB" import "$DEMO"
step "rdrs train --encoder embedded (a tagger, in the bundle's own worker)"
run "$APP/rdrs" --db "$DB" train --encoder embedded --out "$W/model" ${SMOKE_EPOCHS:+--epochs "$SMOKE_EPOCHS"}
step "rdrs predict --model DIR --all"
run "$APP/rdrs" --db "$DB" predict --model "$W/model" --all
step "rdrs stats"
run "$APP/rdrs" --db "$DB" stats
DOC=${SMOKE_DOC:-demo-06}
step "rdrs-gui --screenshot (offscreen: no DISPLAY)"
run "$APP/rdrs-gui" --db "$DB" --open "$DOC" --screenshot "$W/offscreen.png"
check_png() {   # a PNG, and not one flat colour: a blank 1500x900 PNG packs into a few KB
    [[ $(head -c 8 "$1" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] || { echo "smoke: $1 is no PNG" >&2; return 1; }
    [[ $(stat -c %s "$1") -gt 30000 ]] || { echo "smoke: $1 looks blank ($(stat -c %s "$1") bytes)" >&2; return 1; }
}
check_png "$W/offscreen.png"
if command -v Xvfb >/dev/null; then
    DISP=:$(( 90 + RANDOM % 100 ))
    Xvfb "$DISP" -screen 0 1600x1000x24 -nolisten tcp >"$W/xvfb.log" 2>&1 &
    XPID=$!
    trap 'kill $XPID 2>/dev/null || true' EXIT
    sleep 1
    step "rdrs-gui --screenshot on a real X server (Xvfb $DISP, the xcb platform)"
    run DISPLAY="$DISP" "$APP/rdrs-gui" --db "$DB" --open "$DOC" --screenshot "$W/x11.png"
    check_png "$W/x11.png"
    kill $XPID 2>/dev/null || true
else
    step "no Xvfb here: the real-display run is skipped (apt-get install xvfb)"
fi
step "passed; files in $W (offscreen.png$( [[ -f $W/x11.png ]] && echo ', x11.png'))"
