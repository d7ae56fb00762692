"""A training (or any long) subprocess that reports progress as JSON lines on stdout.

The trainer prints one JSON object per line (``{"event": "epoch", "epoch": 3, "loss": ..,
"dev_f1": ..}``); those become events, and every line (events, stray prints, stderr) also goes
to the job's log file. Cancel sends SIGTERM, which the trainer answers by keeping its best
checkpoint and exiting; a job that ignores it is killed after a grace period.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

from ..core.errors import RdrsError
from .paths import background_priority, trainer_env

Event = dict


class JobProcess:
    """Runs ``command``; calls ``on_event`` for each JSON progress line (from a reader thread)."""

    def __init__(self, command: list[str], log_path: str | Path, on_event: Callable[[Event], None] | None = None,
                 cwd: str | Path | None = None):
        self.command = command
        self.log_path = Path(log_path)
        self.on_event = on_event or (lambda event: None)
        self.cwd = cwd
        self.events: list[Event] = []
        self.cancelled = False
        self._proc: subprocess.Popen | None = None
        self._reader: threading.Thread | None = None
        self._log = None
        self._log_lock = threading.Lock()

    def start(self) -> None:
        try:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = open(self.log_path, "a", encoding="utf-8")
            self._proc = subprocess.Popen(self.command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                          encoding="utf-8", errors="replace", cwd=self.cwd, env=trainer_env(),
                                          start_new_session=True)
        except OSError as exc:
            if self._log is not None:
                self._log.close()
            raise RdrsError(f"cannot start {' '.join(self.command[:4])}: {exc.strerror or exc}") from None
        background_priority(self._proc.pid)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._stderr = threading.Thread(target=self._copy_stderr, daemon=True)
        self._stderr.start()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the process and for its last output to be handled; returns the exit code
        (negative: killed by that signal)."""
        code = self._proc.wait(timeout=timeout)
        self._reader.join(timeout=10)
        self._stderr.join(timeout=10)
        with self._log_lock:
            self._log.close()
        return code

    def cancel(self, grace: float = 30.0) -> None:
        """Ask the job to stop (it keeps its best checkpoint); kill it after ``grace`` seconds."""
        if not self.running():
            return
        self.cancelled = True
        self._proc.terminate()
        timer = threading.Timer(grace, self.kill)
        timer.daemon = True
        timer.start()

    def kill(self) -> None:
        """Stop the job and any process it started, at once."""
        if not self.running():
            return
        if hasattr(os, "killpg"):
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)
                return
            except OSError:
                pass
        self._proc.kill()

    def _write(self, line: str) -> None:
        with self._log_lock:
            if not self._log.closed:
                self._log.write(line if line.endswith("\n") else line + "\n")
                self._log.flush()

    def _read(self) -> None:
        for line in self._proc.stdout:
            self._write(line)
            stripped = line.strip()
            event = None
            if stripped.startswith("{"):
                try:
                    event = json.loads(stripped)
                except json.JSONDecodeError:
                    event = None
            if isinstance(event, dict) and "event" in event:
                self.events.append(event)
                try:
                    self.on_event(event)
                except Exception as exc:  # noqa: BLE001 - a listener's bug must not stall the pipe
                    self._write(f"progress listener failed: {type(exc).__name__}: {exc}")

    def _copy_stderr(self) -> None:
        for line in self._proc.stderr:
            self._write(line)

    def stderr_tail(self, lines: int = 5) -> list[str]:
        """The last lines of the log that are not progress events (the trainer's errors)."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return []
        return [t for t in text if t.strip() and not t.lstrip().startswith("{")][-lines:]
