"""Reading CSV and Excel files into text columns, keeping the spreadsheet row numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

#: Column holding each row's number as a spreadsheet shows it (the header is row 1).
ROW = "__row__"


def _text(value: object) -> str:
    """A cell as text: integral numbers without ``.0``, times in ISO 8601, blanks ''."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float | np.floating):
        if np.isnan(value):
            return ""
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, pd.Timestamp | np.datetime64):
        return pd.Timestamp(value).isoformat()
    return str(value).strip()


def read_table(path: Path, *, sheet: str | None = None,
               encoding: str | None = None) -> pd.DataFrame:
    """All cells as stripped text ('' for blanks), plus :data:`ROW`.

    CSV is read as UTF-8 (with or without BOM), falling back to GB18030 (Chinese Excel
    exports) unless ``encoding`` is given. Excel (.xlsx, .ods) is read through GDAL; cells
    holding dates come back in ISO 8601.
    """
    path = Path(path)
    if not path.exists():
        raise ValueError(f"no such file: {path}")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        sep = "\t" if suffix == ".tsv" else ","
        tries = [encoding] if encoding else ["utf-8-sig", "gb18030"]
        frame = None
        for enc in tries:
            try:
                frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=enc,
                                    sep=sep, skipinitialspace=True)
                break
            except UnicodeDecodeError:
                continue
        if frame is None:
            raise ValueError(f"cannot decode {path.name} as {' or '.join(tries)}: set "
                             "[source] encoding in the mapping")
        frame = frame.map(lambda v: v.strip() if isinstance(v, str) else _text(v))
    elif suffix in (".xlsx", ".ods"):
        import pyogrio

        try:
            frame = pyogrio.read_dataframe(path, layer=sheet, read_geometry=False)
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
            raise ValueError(f"cannot read {path.name}: {exc}") from exc
        frame = pd.DataFrame({c: [_text(v) for v in frame[c]] for c in frame.columns})
    elif suffix == ".xls":
        raise ValueError(f"{path.name}: the old .xls format is not supported; save it as "
                         ".xlsx or CSV")
    else:
        raise ValueError(f"{path.name}: expected a .csv, .xlsx or .ods file")
    frame.columns = [str(c).strip() for c in frame.columns]
    frame[ROW] = np.arange(2, len(frame) + 2)
    return frame.reset_index(drop=True)


def check_columns(frame: pd.DataFrame, columns: dict[str, str], where: str) -> None:
    """Every column the mapping names exists in the file (ValueError listing the rest)."""
    missing = sorted({c for c in columns.values() if c not in frame.columns})
    if missing:
        have = ", ".join(c for c in frame.columns if c != ROW)
        raise ValueError(f"{where}: no column {', '.join(map(repr, missing))} in the file; "
                         f"its columns are: {have}")
