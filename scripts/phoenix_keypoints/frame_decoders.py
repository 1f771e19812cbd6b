"""Frames decoded ahead of the torch engine, so that its device does not wait for them.

A folder's PNG frames are independent files: spawned worker processes decode them in chunks, a few chunks ahead
of the engine in every video it runs, and the first chunks of the videos it will take next before it takes them.
A video file decodes only in order: a thread of the job's process reads it ahead (OpenCV releases the GIL while
it decodes). Either way a video's frames arrive in order, each exactly once, as its source gives them.
"""

import multiprocessing
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from queue import Queue

from .frame_sources import Frame, PngFrames

CHUNK_FRAMES = 8  # PNG frames per task: ~10 ms of decoding, a few hundred KiB back through the pipe
CHUNKS_AHEAD = 2  # per video, beyond the chunk being consumed
VIDEO_FILE_FRAMES_AHEAD = 16
VIDEOS_AHEAD = 8  # videos whose decoding starts before the engine takes them (a few steps' worth of refills)


def decode_chunk(chunk: PngFrames) -> list[Frame]:
    return list(chunk.frames())


class _PngVideo:
    """A folder's frames from the pool, in order; its first chunks are submitted when it is created."""

    def __init__(self, pool: ProcessPoolExecutor, source: PngFrames):
        self._pool, self._folder = pool, source.reference_folder
        self._chunks = iter(source.chunks(CHUNK_FRAMES))
        self._pending: deque[Future] = deque()
        for _ in range(1 + CHUNKS_AHEAD):
            self._submit_next()

    def _submit_next(self) -> None:
        chunk = next(self._chunks, None)
        if chunk is not None:
            self._pending.append(self._pool.submit(decode_chunk, chunk))

    def __iter__(self) -> Iterator[Frame]:
        while self._pending:
            try:
                frames = self._pending.popleft().result()
                self._submit_next()
            except BrokenProcessPool as err:
                raise RuntimeError(
                    f"a frame decoder process died (killed, e.g. by the out-of-memory killer) while decoding "
                    f"{self._folder}. Finished videos are journaled: rerun the workflow to resume."
                ) from err
            yield from frames


def _read_ahead(frames: Iterator[Frame], depth: int) -> Iterator[Frame]:
    """The frames read by a thread of their own, from now on, `depth` ahead; an error in reading is raised here."""
    ahead: Queue = Queue(depth)
    end = object()

    def fill() -> None:
        try:
            for frame in frames:
                ahead.put(frame)
            ahead.put(end)
        except BaseException as err:  # handed to the consumer, which raises it
            ahead.put(err)

    threading.Thread(target=fill, daemon=True).start()

    def consume() -> Iterator[Frame]:
        while (item := ahead.get()) is not end:
            if isinstance(item, BaseException):
                raise item
            yield item

    return consume()


class FrameDecoders:
    """`processes` spawned decoder processes (a context manager: leaving it stops them and drops what is queued)."""

    def __init__(self, processes: int):
        # spawn: the job's process holds torch's threads, which a fork would copy in an unknown state
        self._pool = ProcessPoolExecutor(processes, multiprocessing.get_context("spawn"))

    def __enter__(self) -> "FrameDecoders":
        return self

    def __exit__(self, *exc) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def videos(self, sources: Iterable[tuple[str, object]]) -> Iterator[tuple[str, Iterable]]:
        """(key, its frames) for each (key, frame source), in order; decoding starts VIDEOS_AHEAD videos before
        the consumer takes a video, so that a video's first frames are ready when it starts."""
        started: deque[tuple[str, Iterable]] = deque()
        for key, source in sources:
            started.append((key, self._start(source)))
            if len(started) > VIDEOS_AHEAD:
                yield started.popleft()
        yield from started

    def _start(self, source) -> Iterable[Frame]:
        if isinstance(source, PngFrames):
            return _PngVideo(self._pool, source)
        return _read_ahead(source.frames(), VIDEO_FILE_FRAMES_AHEAD)
