#!/usr/bin/env bash
# Build the self-contained app dist/rdrs-gui/ (PyInstaller one-folder: rdrs-gui and rdrs) and
# the Debian package dist/rdrs-gui_VERSION_ARCH.deb. Run from the repository root inside the
# environment the README's set-up made (`pip install -e .` and `python -m trainer vectors fetch
# hudlit`); it installs PyInstaller into that environment if missing.
#   packaging/build.sh            # app + .deb
#   packaging/build.sh --no-deb   # app only
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DEB=1
[[ "${1:-}" == "--no-deb" ]] && DEB=0
PY=${PYTHON:-python}
start=$(date +%s)
say() { echo "build.sh [$(( $(date +%s) - start )) s] $*"; }

"$PY" -c "import PyInstaller" 2>/dev/null || "$PY" -m pip install --disable-pip-version-check -q "pyinstaller>=6.10,<7"
"$PY" -c "import rdrs_gui, trainer, torch, PySide6" || { echo "build.sh: install the project first (README: Set up)" >&2; exit 2; }

say "Russian catalogue: .ts -> .qm"
"$PY" -m rdrs_gui.ui.i18n build >/dev/null
test -s resources/i18n/rdrs_gui_ru.qm

say "word-vector tables to ship (hudlit from the user data folder; news comes with natasha)"
VEC=build/bundle-vectors
rm -rf "$VEC"; mkdir -p "$VEC"
HUDLIT=$("$PY" -c "from trainer import word_vectors as w; print(w.locate('hudlit'))" 2>/dev/null || true)
if [[ -z "$HUDLIT" ]]; then
    say "hudlit is not installed: fetching it (python -m trainer vectors fetch hudlit)"
    "$PY" -m trainer vectors fetch hudlit
    HUDLIT=$("$PY" -c "from trainer import word_vectors as w; print(w.locate('hudlit'))")
fi
cp "$HUDLIT" "$VEC/"

say "PyInstaller (one folder)"
rm -rf dist/rdrs-gui
RDRS_BUNDLE_VECTORS="$ROOT/$VEC" "$PY" -m PyInstaller --noconfirm --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/rdrs-gui.spec

APP=dist/rdrs-gui
INT=$APP/_internal
say "pruning what the app never uses"
QT=$INT/PySide6/Qt
if [[ -d $QT/translations ]]; then   # Qt's own dialogs: English is built in, Russian kept
    find "$QT/translations" -type f ! -name 'qtbase_ru.qm' ! -name 'qt_ru.qm' -delete
fi
rm -rf "$QT/qml" "$QT/plugins/"{egldeviceintegrations,generic,wayland-*,sqldrivers,multimedia,qmltooling} \
    "$QT/plugins/platforms/"lib{qeglfs,qlinuxfb,qminimalegl,qvkkhrdisplay,qvnc,qwayland}.so \
    "$QT/plugins/platformthemes/libqgtk3.so" "$QT/lib/"libQt6{Wayland,Wl,EglFs,EglFS}* "$INT/"libQt6{Wayland,Wl,EglFs,EglFS}*
rm -f "$INT/torch/lib/"lib{jitbackend_test,torchbind_test,backend_with_compiler,aoti_custom_ops}.so
rm -rf "$INT/torch/include" "$INT/torch/share" "$INT/torch/test"   # headers, cmake files, test data
find "$INT/torch/bin" -type f ! -name torch_shm_manager -delete   # import torch checks for that one
find "$INT" -name '*.a' -delete
# CUDA parts must never be in a CPU build; refuse rather than ship them.
if find "$INT" -name 'libcu*.so*' -o -name 'libnv*.so*' -o -name 'libcudnn*' -o -name 'libnccl*' | grep -q .; then
    echo "build.sh: CUDA libraries found in the bundle; build from a CPU-only torch (README)" >&2
    exit 3
fi
say "app: $(du -sh "$APP" | cut -f1) in $APP"

[[ $DEB == 1 ]] || { say "done (no .deb)"; exit 0; }

VERSION=$("$PY" -c "from importlib.metadata import version; print(version('rdrs-gui'))")
ARCH=$(dpkg --print-architecture)
STAGE=build/deb/rdrs-gui_${VERSION}_${ARCH}
rm -rf "$STAGE"; mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" \
    "$STAGE/usr/share/applications" "$STAGE/usr/share/icons/hicolor/256x256/apps"
cp -a "$APP" "$STAGE/opt/rdrs-gui"
for prog in rdrs rdrs-gui; do
    printf '#!/bin/sh\nexec /opt/rdrs-gui/%s "$@"\n' "$prog" > "$STAGE/usr/bin/$prog"
    chmod 755 "$STAGE/usr/bin/$prog"
done
cp packaging/linux/rdrs-gui.desktop "$STAGE/usr/share/applications/"
cp packaging/linux/rdrs-gui.png "$STAGE/usr/share/icons/hicolor/256x256/apps/"
SIZE_KB=$(du -sk "$STAGE" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@SIZE@/$SIZE_KB/" \
    packaging/linux/control.in > "$STAGE/DEBIAN/control"
OUTDEB=dist/rdrs-gui_${VERSION}_${ARCH}.deb
say "dpkg-deb -> $OUTDEB"
dpkg-deb --root-owner-group -Zgzip -z6 --build "$STAGE" "$OUTDEB" >/dev/null
rm -rf "$STAGE"
say "done: $APP ($(du -sh "$APP" | cut -f1)), $OUTDEB ($(du -h "$OUTDEB" | cut -f1))"
