#!/usr/bin/env bash
# NOT TESTED on macOS (written on Linux; no Mac was available).
# Builds dist/rdrs-gui/ with the same PyInstaller spec as Linux, wraps it as dist/rdrs-gui.app
# (the one-folder app inside Contents/MacOS, launched through the rdrs-gui program there) and a
# disk image dist/rdrs-gui.dmg. `rdrs` lies at rdrs-gui.app/Contents/MacOS/rdrs-gui/rdrs.
# Run from the repository root in the environment the README's set-up made.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash packaging/build.sh --no-deb
APP=dist/rdrs-gui.app
VERSION=$(python -c "from importlib.metadata import version; print(version('rdrs-gui'))")
rm -rf "$APP"; mkdir -p "$APP/Contents/MacOS" "$APP/Contents/Resources"
cp -R dist/rdrs-gui "$APP/Contents/MacOS/rdrs-gui"
cat > "$APP/Contents/MacOS/launch" <<'SH'
#!/bin/sh
exec "$(dirname "$0")/rdrs-gui/rdrs-gui" "$@"
SH
chmod +x "$APP/Contents/MacOS/launch"
mkdir -p build/icon.iconset
sips -z 256 256 packaging/linux/rdrs-gui.png --out build/icon.iconset/icon_256x256.png >/dev/null
iconutil -c icns build/icon.iconset -o "$APP/Contents/Resources/rdrs-gui.icns"
cat > "$APP/Contents/Info.plist" <<PLIST
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>
  <key>CFBundleName</key><string>rdrs-gui</string>
  <key>CFBundleIdentifier</key><string>org.rdrs-gui.app</string>
  <key>CFBundleVersion</key><string>$VERSION</string>
  <key>CFBundleShortVersionString</key><string>$VERSION</string>
  <key>CFBundlePackageType</key><string>APPL</string>
  <key>CFBundleExecutable</key><string>launch</string>
  <key>CFBundleIconFile</key><string>rdrs-gui.icns</string>
  <key>NSHighResolutionCapable</key><true/>
  <key>LSMinimumSystemVersion</key><string>11.0</string>
</dict></plist>
PLIST
hdiutil create -volname rdrs-gui -srcfolder "$APP" -ov -format UDZO dist/rdrs-gui.dmg
echo "built $APP and dist/rdrs-gui.dmg (unsigned: right-click → Open the first time)"
