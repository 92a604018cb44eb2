"""Where the shared real datasets are. Tests read them in place (they are never copied into
the repository): `TRUCE_DATASETS` if set, else `../shared/datasets` beside the repository,
else `/work/shared/datasets`. A test that needs one fails if it is missing; none skips."""

import os
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]


def _datasets() -> Path:
    candidates = [
        Path(os.environ["TRUCE_DATASETS"]) if os.getenv("TRUCE_DATASETS") else None,
        _ROOT.parent / "shared" / "datasets",
        Path("/work/shared/datasets"),
    ]
    return next((c for c in candidates if c is not None and c.is_dir()), candidates[-1])


DATASETS = _datasets()
OLIST = DATASETS / "olist-marketing-funnel"
