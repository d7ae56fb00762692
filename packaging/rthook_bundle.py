"""PyInstaller runtime hook: the word-vector tables shipped in the bundle are found first-hand
(before the user data folder), so training works offline on the first launch."""
import os
import sys

_tables = os.path.join(sys._MEIPASS, "word_vectors")
if os.path.isdir(_tables):
    _given = os.environ.get("RDRS_WORD_VECTORS", "")
    os.environ["RDRS_WORD_VECTORS"] = os.pathsep.join(p for p in (_given, _tables) if p)

# Under `env -i` there is no locale at all: a UTF-8 character type keeps Qt from warning that
# it switched to one (the interface language comes from LANG / LC_MESSAGES, left untouched).
if not any(os.environ.get(k) for k in ("LC_ALL", "LC_CTYPE", "LANG")):
    os.environ["LC_CTYPE"] = "C.UTF-8"
