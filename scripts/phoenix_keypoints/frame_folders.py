"""A video's frame folder: its frames in numeric order, checked (numbering, gaps, formats, one frame size)
when the index lists them and again when they are read; and the frame source of an indexed video (its
folder's frames or its video file)."""

import os
import re
from pathlib import Path

from .errors import InputError
from .frame_sources import PNG_SIGNATURE, DecodedVideo, PngFrames
from .videos import Video

FRAME_NAME = re.compile(r"^images(\d+)\.png$")
# A frame saved in another format, or with an upper-case extension: said once per video, not per file.
OTHER_FORMAT_FRAME = re.compile(r"^images\d+\.(?P<extension>\w+)$", re.IGNORECASE)


def frame_number(name: str) -> int | None:
    match = FRAME_NAME.match(name)
    return int(match.group(1)) if match else None


def _other_format(extension: str, names: list[str]) -> str:
    example = sorted(names)[0]
    if extension.lower() == "png":
        return (
            f"{len(names)} frames end in .{extension} ({example}), not .png. "
            f'Fix: rename them, e.g. in the folder: for f in *.{extension}; do mv "$f" "${{f%.*}}.png"; done'
        )
    return (
        f"{len(names)} frames are .{extension} files ({example}); frames must be PNG files named imagesNNNN.png. "
        f"Fix: convert them to PNG, e.g. in the folder: mogrify -format png *.{extension} && rm *.{extension}"
    )


def list_frames(folder: Path) -> tuple[list[str], list[str]]:
    """Frame file names in numeric order, and the reasons this folder is not usable.

    Hidden files (".DS_Store" and the like) are ignored; anything else that is not a file named
    imagesNNNN.png is a problem, so nothing is dropped silently.
    """
    numbered, other_formats, problems = [], {}, []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            number = frame_number(entry.name)
            if number is not None and entry.is_file():
                numbered.append((number, entry.name))
            elif number is not None:
                problems.append(f"{entry.name!r} is a folder, not a frame")
            elif (match := OTHER_FORMAT_FRAME.match(entry.name)) and entry.is_file():
                other_formats.setdefault(match["extension"], []).append(entry.name)
            else:
                kind = "folder" if entry.is_dir() else "file"
                problems.append(f"unexpected {kind} {entry.name!r} (frames must be named imagesNNNN.png)")
    problems[:0] = [_other_format(extension, names) for extension, names in sorted(other_formats.items())]
    numbered.sort()
    if not numbered and not problems:
        problems.append("no frames (imagesNNNN.png) in the folder")
    if numbered:
        numbers = [n for n, _ in numbered]
        first = numbers[0]
        if first not in (0, 1):
            problems.append(f"numbering starts at {first}: frames before it are missing")
        duplicates = len(numbers) - len(set(numbers))
        if duplicates:
            problems.append(f"{duplicates} frame numbers appear twice (as in images1.png and images01.png)")
        missing = (numbers[-1] - first + 1) - len(set(numbers))
        if missing > 0:
            gaps = sorted(set(range(first, numbers[-1] + 1)) - set(numbers))
            shown = ", ".join(map(str, gaps[:10])) + (" ..." if len(gaps) > 10 else "")
            problems.append(f"gap in the numbering: {missing} frames missing ({shown})")
    return [name for _, name in numbered], problems


def png_size(path: Path) -> tuple[int, int] | None:
    """(width, height) from the PNG header (24 bytes), or None when the file is no readable PNG: such a frame
    is left to on_bad_frame when it is decoded."""
    fd = os.open(path, os.O_RDONLY)  # half the time of open(): the index reads ~950,000 of these
    try:
        head = os.read(fd, 24)
    finally:
        os.close(fd)
    if len(head) < 24 or not head.startswith(PNG_SIGNATURE) or head[12:16] != b"IHDR":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def frame_size(folder: Path, frame_files: list[str]) -> tuple[tuple[int, int] | None, str | None]:
    """The one size of a video's frames, and a problem if they have several (keypoints are normalised by
    the frame's size, and tracking carries positions from frame to frame)."""
    sizes: dict[tuple[int, int], list[str]] = {}
    for name in frame_files:
        if (size := png_size(folder / name)) is not None:
            sizes.setdefault(size, []).append(name)
    if len(sizes) <= 1:
        return next(iter(sizes), None), None
    ranked = sorted(sizes.items(), key=lambda item: -len(item[1]))
    shown = ", ".join(f"{w}x{h} ({len(names)} frames, e.g. {names[0]})" for (w, h), names in ranked)
    return None, f"frames of different sizes: {shown}. Fix: give every frame of the video the same size"


def video_source(dataset_root: Path, video: Video) -> PngFrames | DecodedVideo:
    """Where the video's frames are read from: its frame folder (checked against the index) or its file."""
    location = dataset_root / video.source  # an absolute source stays as it is
    if video.is_video_file:
        return DecodedVideo(
            location,
            video.source,
            video.start,
            video.end,
            video.n_frames,
            video.rotation,
            video.start_time,
            video.end_time,
        )
    return PngFrames(video_frame_paths(dataset_root, video), video.source)


def video_frame_paths(dataset_root: Path, video: Video) -> list[Path]:
    """A frame folder's frames on disk now (within the video's cut), checked against the index."""
    folder = dataset_root / video.source
    frame_files, problems = list_frames(folder)
    frame_files = frame_files[video.start : video.end]
    if problems or len(frame_files) != video.n_frames:
        found = f"{len(frame_files)} frames" + (f" ({'; '.join(problems)})" if problems else "")
        raise InputError(
            f"{folder} changed since it was indexed: the index has {video.n_frames} frames, "
            f"the folder now has {found}.\nFix: restore the folder, or delete results/index to index again."
        )
    return [folder / name for name in frame_files]
