"""Record and replay (`citysim record`, `citysim replay`): a run's MQTT traffic captured to a
file and fed to any IOC later, as often as a tester likes.

`format` (the file format, records, headers), `writer` and `reader` (the file), `recorder`
(subscribe and write), `replay` (read and republish, and why a replayed lockstep run gives the
same case log), `mqtt_client` (the paho client both use), `cli` (the two commands).
"""

from sim.tools.recording.format import (
    ALL_TOPICS,
    DEFAULT_RECORD_TOPICS,
    DEFAULT_REPLAY_TOPICS,
    Record,
    RecordingError,
    encode_record,
    make_header,
)
from sim.tools.recording.reader import RecordingReader, read_recording, scan_recording
from sim.tools.recording.recorder import Recorder, RecordSummary
from sim.tools.recording.replay import Replayer, ReplayError, ReplayResult
from sim.tools.recording.writer import RecordingWriter
