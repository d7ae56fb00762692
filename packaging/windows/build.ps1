# NOT TESTED on Windows (written on Linux; no Windows machine was available).
# Builds dist\rdrs-gui\ (rdrs-gui.exe, rdrs.exe) with the same PyInstaller spec as Linux, then the
# installer dist\rdrs-gui-setup.exe with Inno Setup 6 (iscc on PATH).
# Run from the repository root in the environment the README's set-up made:
#   python -m venv .venv; .venv\Scripts\Activate.ps1; pip install torch==2.13.0; pip install -e .
#   python -m trainer vectors fetch hudlit; powershell -File packaging\windows\build.ps1
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")
python -c "import PyInstaller" 2>$null; if ($LASTEXITCODE -ne 0) { python -m pip install "pyinstaller>=6.10,<7" }
python -m rdrs_gui.ui.i18n build
$vec = "build\bundle-vectors"
Remove-Item -Recurse -Force $vec -ErrorAction SilentlyContinue; New-Item -ItemType Directory $vec | Out-Null
$hudlit = python -c "from trainer import word_vectors as w; print(w.locate('hudlit'))"
Copy-Item $hudlit $vec
$env:RDRS_BUNDLE_VECTORS = (Resolve-Path $vec).Path
python -m PyInstaller --noconfirm --distpath dist --workpath build\pyinstaller packaging\rdrs-gui.spec
iscc packaging\windows\rdrs-gui.iss
