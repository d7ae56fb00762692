"""The app on a real X server (Xvfb and Qt's xcb platform), not the offscreen platform the
other tests use: offscreen needs none of the X libraries, so only this test sees a missing
one (the first launch on a fresh Debian aborted with "no Qt platform plugin could be
initialized"). .ci/run installs Xvfb and the libraries with apt-get; elsewhere it skips."""
from __future__ import annotations

import os
import random
import re
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow   # starts an X server and the app as processes

NEEDED = ("Xvfb", "xwininfo", "xwd")


def _xwd_colours(data: bytes) -> int:
    """Distinct pixel values of an XWD image (X Window Dump: big-endian header, then pixels)."""
    fields = struct.unpack(">25I", data[:100])
    header_size, width, height = fields[0], fields[4], fields[5]
    bits_per_pixel, bytes_per_line, ncolors = fields[11], fields[12], fields[19]
    step = bits_per_pixel // 8
    start = header_size + 12 * ncolors
    colours = set()
    for y in range(0, height, 3):
        row = data[start + y * bytes_per_line: start + y * bytes_per_line + width * step]
        colours.update(row[i:i + step] for i in range(0, len(row), step * 3))
    return len(colours)


def _window_id(env: dict, title_part: str) -> str | None:
    """The largest top-level window whose title or class holds ``title_part`` (Qt also maps 1x1
    helpers); a UTF-8 locale, or xwininfo cannot print a title such as "demo-06 — rdrs-gui"."""
    tree = subprocess.run(["xwininfo", "-root", "-tree"], env=dict(env, LC_ALL="C.UTF-8"),
                          capture_output=True, text=True).stdout
    best, best_area = None, 100
    for match in re.finditer(r'^\s*(0x[0-9a-f]+) "([^"\n]*)".*?\s(\d+)x(\d+)[+-]', tree, re.MULTILINE):
        wid, width, height = match.group(1), int(match.group(3)), int(match.group(4))
        if title_part in match.group(0) and width * height > best_area:
            best, best_area = wid, width * height
    return best


def free_display() -> int:
    """A display number no X server here holds (each holds /tmp/.X<N>-lock)."""
    while True:
        number = random.randrange(200, 900)
        if not Path(f"/tmp/.X{number}-lock").exists():
            return number


@pytest.fixture
def x_server(tmp_path: Path):
    missing = [tool for tool in NEEDED if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"no {', '.join(missing)} here (apt-get install xvfb x11-utils x11-apps; .ci/run does)")
    display = f":{free_display()}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=open(tmp_path / "xvfb.log", "w"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("QT_")}
    env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb")   # xcb or fail: no silent fallback
    for _ in range(100):
        if subprocess.run(["xwininfo", "-root"], env=env, capture_output=True).returncode == 0:
            break
        if xvfb.poll() is not None:
            pytest.fail(f"Xvfb did not start: {(tmp_path / 'xvfb.log').read_text()[-500:]}")
        time.sleep(0.1)
    yield env
    xvfb.terminate()
    xvfb.wait(10)


def test_main_window_paints_on_a_real_x_server(x_server, tmp_path: Path) -> None:
    env = dict(x_server, RDRS_GUI_CONFIG_DIR=str(tmp_path / "config"), RDRS_DATA_DIR=str(tmp_path / "data"))
    log = open(tmp_path / "app.log", "w")
    app = subprocess.Popen([sys.executable, "-m", "rdrs_gui.ui.app", "--db", str(tmp_path / "demo.sqlite"),
                            "--demo", "--annotator", "anna", "--open", "demo-06"],
                           env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        colours = 0
        deadline = time.monotonic() + 120   # a generous bound for a loaded machine, not a speed check
        while time.monotonic() < deadline and app.poll() is None:
            wid = _window_id(env, "rdrs-gui")
            if wid:
                shot = subprocess.run(["xwd", "-id", wid, "-silent"], env=env, capture_output=True)
                if shot.returncode == 0 and len(shot.stdout) > 100:
                    colours = _xwd_colours(shot.stdout)
                    if colours >= 20:
                        break
            time.sleep(0.3)
        output = (tmp_path / "app.log").read_text(errors="replace")
        assert app.poll() is None, f"the app exited ({app.returncode}) on the xcb platform:\n{output[-2000:]}"
        assert "could not" not in output.lower() or "platform plugin" not in output, output[-2000:]
        # A painted main window holds text, chips, toolbars: many colours; an unpainted one is flat.
        assert colours >= 20, f"the window shows {colours} colours after 120 s:\n{output[-2000:]}"
    finally:
        app.terminate()
        try:
            app.wait(20)
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait()
        log.close()
