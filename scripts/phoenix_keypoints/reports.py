"""Small TSV reports written beside the main results."""

from .atomic import write_text


def write_bad_frames(path, merged: dict) -> None:
    """Every frame kept as zeros because it could not be decoded (on_bad_frame: mark)."""
    lines = ["split\tvideo_id\tframe_index\timage_path\treason"]
    for split, data in merged.items():
        lines += [
            f"{split}\t{b['video_id']}\t{b['frame_index']}\t{b['image_path']}\t{b['reason']}"
            for b in data["bad_frames"]
        ]
    write_text(path, "\n".join(lines) + "\n")
