"""Edge video analytics with classical OpenCV: no deep learning, no model downloads.

Each analytic turns frames into per-frame `Detection`s; an `EventFilter` per analytic
debounces them into raised/cleared `VisionEvent`s carrying a JPEG evidence snapshot; a
`VisionPipeline` feeds frames from a `FrameSource` (rendered scenes, a video file or an RTSP
stream through cv2.VideoCapture) to a set of analytics.

Modules, one per analytic family: `fire_smoke`, `dwell` (illegal_parking, street_vending,
exposed_garbage), `crowd`, `debris` (floating_debris), `intrusion`, `land_change`; shared
pieces in `common` (detections, masks, blobs, tracking) and `background` (DualBackground);
`registry` (ANALYTICS, analytic_params, make_analytic: each analytic's parameters are a
typed model beside it, e.g. `FireSmokeParams`), `events` (EventFilter, VisionEvent, snapshots),
`sources` (rendered scenes, cv2.VideoCapture) and `pipeline`.

Techniques (parameters are per analytic, see `docs/vision.md`):

- fire_smoke: flame colour (HSV) on foreground, kept where it is brighter than any lit
  surface, keeps flickering pixel by pixel and does not travel; smoke as grey foreground that
  billows in place, fades out at its edges and whose estimated plume colour is grey, not
  white (steam, cloud); in thermal images a hot-spot threshold.
- illegal_parking, street_vending, exposed_garbage: a dual running-average background (short-
  and long-term): pixels that the short-term model has absorbed but the long-term one has not
  are stationary foreground; ghosts (something that left) are told apart by their edges;
  blobs are tracked and reported after a dwell time in the zone, each analytic with its own
  size, shape and texture tests.
- crowd: long-term background, time-smoothed foreground occupancy, densest window.
- floating_debris: a per-pixel Gaussian model of the water (waves, glints and shimmering
  reflections are in its variance), persistent blobs tracked as they drift.
- intrusion: upright, person-sized foreground standing inside the rail polygon.
- land_change: difference from a reference frame, minus illumination changes (cloud
  shadows), stable for some time.

Sizes are given for a 320x240 frame and scaled with the frame; times are in seconds of the
frames' own clock, so results do not depend on how fast the analytics run.
"""

from edge.vision.background import DualBackground
from edge.vision.common import Analytic, BBox, Detection, Polygon
from edge.vision.crowd import Crowd
from edge.vision.debris import FloatingDebris
from edge.vision.dwell import ExposedGarbage, IllegalParking, StreetVending
from edge.vision.events import EventFilter, VisionEvent, snapshot_jpeg
from edge.vision.fire_smoke import FireSmoke
from edge.vision.intrusion import Intrusion
from edge.vision.land_change import LandChange
from edge.vision.pipeline import VisionPipeline
from edge.vision.registry import ANALYTICS, analytic_params, make_analytic
from edge.vision.sources import CaptureSource, FrameSource, RenderedSource

__all__ = [
    "ANALYTICS",
    "Analytic",
    "BBox",
    "CaptureSource",
    "Crowd",
    "Detection",
    "DualBackground",
    "EventFilter",
    "ExposedGarbage",
    "FireSmoke",
    "FloatingDebris",
    "FrameSource",
    "IllegalParking",
    "Intrusion",
    "LandChange",
    "Polygon",
    "RenderedSource",
    "StreetVending",
    "VisionEvent",
    "VisionPipeline",
    "analytic_params",
    "make_analytic",
    "snapshot_jpeg",
]
