"""TIFF to PDF with libtiff's tiff2pdf (Debian libtiff-tools): a thin adapter.

tiff2pdf copies a fax's G3/G4 pages into the PDF as they are (CCITT streams), so
the PDF is small and exact, and it takes every page of a multi-page TIFF.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


class PdfError(Exception):
    pass


def tiff_to_pdf(tiff: Path, pdf: Path) -> None:
    tmp = pdf.with_name(pdf.name + ".part")
    try:
        result = subprocess.run(["tiff2pdf", "-o", str(tmp), str(tiff)], capture_output=True, text=True,
                                timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        tmp.unlink(missing_ok=True)
        raise PdfError(f"tiff2pdf: {exc}") from exc
    if result.returncode != 0 or not tmp.is_file() or tmp.stat().st_size == 0:
        tmp.unlink(missing_ok=True)
        raise PdfError("tiff2pdf: " + (result.stderr.strip().splitlines() or ["no output"])[-1])
    os.chmod(tmp, 0o640)
    os.replace(tmp, pdf)
