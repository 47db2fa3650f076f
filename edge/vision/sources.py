"""Frame sources: rendered synthetic scenes, video files and streams (cv2.VideoCapture)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import cv2
import numpy as np

if TYPE_CHECKING:
    from devices.scenes import Label, SceneSpec


class FrameSource(Protocol):
    def read(self) -> tuple[float, np.ndarray] | None: ...


class RenderedSource:
    """Frames of a synthetic scene at `fps` for `duration_s` seconds of clip time, after an
    optional pre-roll (`preroll_s` seconds before t = 0 at `preroll_fps`) that lets background
    models start from a steady state, as on a camera that has been running for a while."""

    def __init__(
        self,
        spec: SceneSpec,
        fps: float,
        duration_s: float,
        preroll_s: float = 0.0,
        preroll_fps: float = 1.0,
    ) -> None:
        from devices.scenes import render  # edge stays importable without the scene renderer

        self._render = render
        self.spec, self.fps, self.duration_s = spec, fps, duration_s
        pre = round(preroll_s * preroll_fps)
        self.times = [-preroll_s + k / preroll_fps for k in range(pre)]
        self.times += [k / fps for k in range(round(duration_s * fps))]
        self.i = 0
        self.labels: list[Label] = []  # ground truth of the last frame read

    def read(self) -> tuple[float, np.ndarray] | None:
        if self.i >= len(self.times):
            return None
        t = self.times[self.i]
        self.i += 1
        frame = self._render(self.spec, t)
        self.labels = frame.labels
        return t, frame.image


class CaptureSource:
    """A video file or stream (RTSP/HTTP URL) through cv2.VideoCapture.

    Time comes from CAP_PROP_POS_MSEC when the backend provides it, otherwise from the frame
    index and the stream's fps. With `fps`, frames are skipped (grabbed, not decoded) to that
    rate; frames wider than `max_width` are shrunk (zones are in the shrunk frame's pixels).
    """

    def __init__(self, uri: str | Path, fps: float | None = None, max_width: int = 640) -> None:
        text = str(uri)
        self.is_stream = "://" in text
        if not self.is_stream and not Path(text).is_file():
            raise FileNotFoundError(f"video file not found: {text}")
        self.cap = cv2.VideoCapture(text)
        if not self.cap.isOpened():
            self.cap.release()
            if self.is_stream:
                raise ConnectionError(f"cannot open video stream {text}")
            raise ValueError(
                f"cannot decode video file {text} (codec or container not "
                f"supported by this OpenCV build)"
            )
        self.uri, self.fps, self.max_width = text, fps, max_width
        native = self.cap.get(cv2.CAP_PROP_FPS)
        self.native_fps = native if native and 0 < native < 1000 else 25.0
        self.index = -1
        self.next_t = 0.0
        self.t_last = -math.inf

    def _time(self) -> float:
        ms = self.cap.get(cv2.CAP_PROP_POS_MSEC)
        t_index = self.index / self.native_fps
        # some backends (and most streams) report 0 or nothing: fall back to the frame index
        if ms and ms > 0 and ms / 1000.0 > self.t_last:
            return ms / 1000.0
        return max(t_index, self.t_last + 1e-3) if self.index > 0 else t_index

    def read(self) -> tuple[float, np.ndarray] | None:
        item = self.read_at(self.next_t if self.fps is not None else -math.inf)
        if item is not None and self.fps is not None:
            t = item[0]
            self.next_t = max(self.next_t + 1.0 / self.fps, t + 0.5 / self.fps)
        return item

    def read_at(self, t: float) -> tuple[float, np.ndarray] | None:
        """The first frame at or after source time `t` (seconds); frames before it are
        grabbed, not decoded. None at the end of a file. A live stream's time runs with the
        wall clock, so this waits until the stream gets there."""
        while True:
            if not self.cap.grab():
                return None
            self.index += 1
            ft = self._time()
            self.t_last = ft
            if ft + 1e-6 >= t:
                break
        ok, img = self.cap.retrieve()
        if not ok or img is None:
            return None
        h, w = img.shape[:2]
        if w > self.max_width:
            img = cv2.resize(
                img, (self.max_width, round(h * self.max_width / w)), interpolation=cv2.INTER_AREA
            )
        return ft, img

    def close(self) -> None:
        self.cap.release()

    def __enter__(self) -> CaptureSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
