"""``python -m trainer TASK ...``: each task's command line lives in its own package."""
from __future__ import annotations

import importlib
import sys

TASKS = {
    "tagger": "trainer.tagger.cli",
    "coref": "trainer.coref.cli",
    "classifier": "trainer.classifier.cli",
    "serve": "trainer.serve",
    "vectors": "trainer.word_vectors",
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in TASKS:
        print(f"usage: python -m trainer {{{','.join(TASKS)}}} ...", file=sys.stderr)
        return 2
    module = importlib.import_module(TASKS[argv[0]])
    return int(module.main(argv[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main())
