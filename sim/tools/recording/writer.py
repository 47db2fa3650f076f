"""Writing a recording: a header line (a new segment when appending), then records; gzip
when the name ends with `.gz`."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path
from typing import IO, Any, Literal

import orjson

from sim.tools.recording.format import RecordingError, is_gzip
from sim.tools.recording.reader import RecordingReader

RecordMode = Literal["new", "append", "overwrite"]


class RecordingWriter:
    """Writes a recording: `header` first (a new segment when appending), then records.
    Compressed when the name ends with `.gz` (or, when appending, when the file already is)."""

    def __init__(self, path: Path, header: dict[str, Any], mode: RecordMode = "new"):
        self.path = Path(path)
        self.bytes_written = 0
        exists = self.path.exists() and self.path.stat().st_size > 0
        if mode == "new":
            refuse_existing(self.path)
        append = exists and mode == "append"
        compressed = is_gzip(self.path) if append else self.path.name.endswith(".gz")
        if append:
            _check_appendable(self.path, compressed)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        raw = open(self.path, "ab" if append else "wb")  # noqa: SIM115 (closed in close())
        self._file: IO[bytes] = (
            gzip.GzipFile(fileobj=raw, mode="ab", compresslevel=6) if compressed else raw
        )
        self._raw = raw
        self.write(orjson.dumps(header) + b"\n")
        self.flush()

    def write(self, data: bytes) -> None:
        """Append encoded lines (one or many)."""
        self._file.write(data)
        self.bytes_written += len(data)

    def flush(self) -> None:
        if isinstance(self._file, gzip.GzipFile):
            self._file.flush(zlib.Z_SYNC_FLUSH)  # what is written so far is decompressible
        else:
            self._file.flush()

    def close(self) -> None:
        self._file.close()
        if self._raw is not self._file:
            self._raw.close()


def refuse_existing(path: Path) -> None:
    """FileExistsError for a non-empty file (a recording is not overwritten by accident)."""
    if path.exists() and path.stat().st_size > 0:
        raise FileExistsError(
            f"{path} exists; append to it (--append), overwrite it "
            "(--overwrite) or choose another name"
        )


def _check_appendable(path: Path, compressed: bool) -> None:
    """An existing file must be a recording; a plain one cut off mid-line loses that line
    (it is lost anyway) so that the new segment starts on a line of its own."""
    reader = RecordingReader(path)
    for _ in reader:
        pass
    if reader.truncated and compressed:
        raise RecordingError(
            path,
            "ends abruptly (the recorder was killed); a gzip recording "
            "cannot be appended to after that: record into a new file",
        )
    if not compressed and reader.truncated:
        with open(path, "rb+") as f:
            f.truncate(f.read().rfind(b"\n") + 1)
