"""BatchedHolistic: MediaPipe Holistic's video graph (spec §2, §4-§6) over B videos in lock-step.

Frame t of every video in the batch is one step. The per-video state of spec §5 (pose ROI, filters, previous
hand and face landmarks) lives in [B, ...] tensors; when a video ends, its slot takes the next video with fresh
state. Each stage runs its model once per step on the items that need it (gathered with one nonzero each), in
chunks of one fixed size (subgraphs.ChunkedModel).
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import torch

from ..layout import FACE_68_FROM_MESH, NUM_COORDS, NUM_POINTS, PART_NAMES, part_slice
from . import subgraphs
from .device import constant, deterministic_kernels
from .filters import PoseFilters
from .model_specs import FACE_LANDMARKS, HAND_LANDMARKS

SIDES = ("left", "right")


def _record(record: dict, stream: str, slots: torch.Tensor, values: torch.Tensor) -> None:
    """Keep a stage's values for the slots that produced them, under holistic_trace.py's stream name (callers
    check for a record first: the masked selections they pass each wait for the GPU)."""
    record[stream] = (slots, values)


@dataclass
class StepOutput:
    """One step's results for the B slots: pose [B, 33, 3], hands [B, 2, 21, 3], face [B, 468, 3] and their
    presence (bool [B], [B, 2], [B]); zeros where absent."""

    pose: torch.Tensor
    pose_present: torch.Tensor
    hands: torch.Tensor
    hands_present: torch.Tensor
    face: torch.Tensor
    face_present: torch.Tensor


class HolisticState:
    """Spec §5 for B slots, as tensors on the device."""

    def __init__(self, batch: int, device: torch.device):
        self.pose_roi = torch.zeros(batch, 5, device=device)
        self.pose_roi_valid = torch.zeros(batch, dtype=torch.bool, device=device)
        self.filters = PoseFilters(batch, device)
        self.hands = torch.zeros(batch, 2, HAND_LANDMARKS.landmarks, 3, device=device)
        self.hands_valid = torch.zeros(batch, 2, dtype=torch.bool, device=device)
        self.face = torch.zeros(batch, FACE_LANDMARKS.landmarks, 3, device=device)
        self.face_valid = torch.zeros(batch, dtype=torch.bool, device=device)

    def clear(self, slots: torch.Tensor) -> None:
        """Fresh state for the slots (bool [B]) that start a new video."""
        self.pose_roi_valid &= ~slots
        self.filters.clear(slots)
        self.hands_valid &= ~slots[:, None]
        self.face_valid &= ~slots


def holistic_step(
    models: subgraphs.Models,
    state: HolisticState,
    frames,
    sizes,
    active,
    record: dict | None = None,
    confidence: subgraphs.Confidence = subgraphs.DEFAULT_CONFIDENCE,
) -> StepOutput:
    """One frame for every active slot (bool [B]): the graph's S0-S5, updating `state` in place.

    With a `record` dict, each stage's outputs are kept there as stream name -> (slots [k], values [k, ...]),
    named as ../shared/tools/holistic_trace.py names MediaPipe's (a stream is absent where no slot produced it).
    """
    batch, device = len(active), frames.device
    # S0/S1: pose detection only where there is no ROI from the previous frame.
    detect = torch.nonzero(active & ~state.pose_roi_valid).flatten()
    if len(detect):
        found = subgraphs.detect_pose(models, frames, sizes, detect, confidence.detection)
        state.pose_roi[detect] = torch.where(found.found[:, None], found.roi, state.pose_roi[detect])
        state.pose_roi_valid[detect] = found.found
        if record is not None:
            _record(record, "pose_detection", detect[found.found], found.keypoints[found.found])
    with_roi = active & state.pose_roi_valid

    # S2: pose landmarks, filters, next frame's ROI.
    pose = torch.zeros(batch, 33, 3, device=device)
    pose_present = torch.zeros(batch, dtype=torch.bool, device=device)
    posed = torch.zeros(0, dtype=torch.long, device=device)  # the slots with a pose this frame
    posed_pose, posed_visibility = pose[:0], pose[:0, :, 0]  # their smoothed landmarks and visibility
    rows = torch.nonzero(with_roi).flatten()
    if len(rows):
        result = subgraphs.pose_landmarks(models, frames, sizes, rows, state.pose_roi[rows], confidence.tracking)
        pose_present[rows] = result.present
        posed, raw, raw_visibility = (
            rows[result.present],
            result.landmarks[result.present],
            result.visibility[result.present],
        )
    lost = active & ~pose_present
    state.filters.reset(lost)
    state.pose_roi_valid &= ~lost
    if len(posed):
        smoothed_visibility = state.filters.smooth_visibility(posed, raw_visibility)
        scale = subgraphs.object_scale(raw[:, 33:35], sizes[posed])
        smoothed = state.filters.smooth_landmarks(posed, raw, scale, sizes[posed])
        state.pose_roi[posed] = subgraphs.pose_roi_from_landmarks(smoothed[:, 33:35], sizes[posed])
        posed_pose, posed_visibility = smoothed[:, :33], smoothed_visibility[:, :33]
        pose[posed] = posed_pose
        if record is not None:
            _record(record, "pose_landmarks", posed, smoothed[:, :33])
            _record(record, "pose_landmarks_roi", posed, state.pose_roi[posed])

    hands, hands_present = _hands(models, state, frames, sizes, posed, posed_pose, posed_visibility, record)
    face, face_present = _face(models, state, frames, sizes, posed, posed_pose, record)
    return StepOutput(pose, pose_present, hands, hands_present, face, face_present)


def _hands(models, state, frames, sizes, rows, pose, visibility, record):
    """S3 for both hands of the slots with a pose (`rows`, whose landmarks are `pose` and `visibility`); updates
    the previous-landmark loopback."""
    batch, device = frames.shape[0], frames.device
    hands = torch.zeros(batch, 2, HAND_LANDMARKS.landmarks, 3, device=device)
    present = torch.zeros(batch, 2, dtype=torch.bool, device=device)
    if len(rows):
        visible, from_pose = subgraphs.hand_rois_from_pose(pose, visibility, sizes[rows])
        slot, side = torch.nonzero(visible, as_tuple=True)
        if len(slot):
            frame_rows = rows[slot]
            recrop = subgraphs.hand_recrop(models, frames, sizes, frame_rows, from_pose[slot, side])
            tracking, _ = subgraphs.track_hand(
                state.hands[frame_rows, side], state.hands_valid[frame_rows, side], recrop, sizes[frame_rows]
            )
            found, landmarks = subgraphs.hand_landmarks(models, frames, sizes, frame_rows, tracking)
            present[frame_rows, side] = found
            hands[frame_rows, side] = torch.where(found[:, None, None], landmarks, hands[frame_rows, side])
            if record is not None:
                for s, name in enumerate(SIDES):
                    on = side == s
                    _record(record, f"{name}_hand_roi_from_pose", frame_rows[on], from_pose[slot[on], s])
                    _record(record, f"{name}_hand_roi_from_recrop", frame_rows[on], recrop[on])
                    _record(record, f"{name}_hand_tracking_roi", frame_rows[on], tracking[on])
                    _record(record, f"{name}_hand_landmarks", frame_rows[on & found], landmarks[on & found])
    state.hands = hands
    state.hands_valid = present
    return hands, present


def _face(models, state, frames, sizes, rows, pose, record):
    """S4 for the slots with a pose (`rows`, whose landmarks are `pose`); updates the previous-landmark loopback."""
    batch, device = frames.shape[0], frames.device
    face = torch.zeros(batch, FACE_LANDMARKS.landmarks, 3, device=device)
    present = torch.zeros(batch, dtype=torch.bool, device=device)
    if len(rows):
        from_pose = subgraphs.face_roi_from_pose(pose, sizes[rows])
        found, from_detection = subgraphs.detect_face(models, frames, sizes, rows, from_pose)
        if record is not None:
            _record(record, "face_roi_from_pose", rows, from_pose)
            _record(record, "face_roi_from_detection", rows[found], from_detection[found])
        rows, from_detection = rows[found], from_detection[found]
    if len(rows):
        tracking, _ = subgraphs.track_face(state.face[rows], state.face_valid[rows], from_detection, sizes[rows])
        found, landmarks = subgraphs.face_landmarks(models, frames, sizes, rows, tracking)
        present[rows] = found
        face[rows] = torch.where(found[:, None, None], landmarks, face[rows])
        if record is not None:
            _record(record, "face_tracking_roi", rows, tracking)
            _record(record, "face_landmarks", rows[found], landmarks[found])
    state.face = face
    state.face_valid = present
    return face, present


def to_keypoints(out: StepOutput) -> tuple[torch.Tensor, torch.Tensor]:
    """The project's layout: keypoints float32 [B, 143, 3] (68 face, left, right hand, 33 pose), presence [B, 4]."""
    batch = out.pose.shape[0]
    keypoints = torch.zeros(batch, NUM_POINTS, NUM_COORDS, device=out.pose.device)
    keypoints[:, part_slice("face")] = out.face[:, constant(FACE_68_FROM_MESH, torch.long, out.face.device)]
    keypoints[:, part_slice("left_hand")] = out.hands[:, 0]
    keypoints[:, part_slice("right_hand")] = out.hands[:, 1]
    keypoints[:, part_slice("pose")] = out.pose
    parts = {
        "face": out.face_present,
        "left_hand": out.hands_present[:, 0],
        "right_hand": out.hands_present[:, 1],
        "pose": out.pose_present,
    }
    return keypoints, torch.stack([parts[name] for name in PART_NAMES], dim=1)


class BatchedHolistic:
    """mp.solutions.holistic.Holistic(static_image_mode=False, model_complexity=1, smooth_landmarks=True,
    refine_face_landmarks=False, enable_segmentation=False, min_detection_confidence=confidence.detection,
    min_tracking_confidence=confidence.tracking) in video mode, over `batch_size` videos at a time on `device`,
    its models called in chunks of `chunk_size` crops (or as `models` were made).

    A video's keypoints depend on that video alone: every model call has one size, everything else is computed
    per item, and the kernels are deterministic (device.deterministic_kernels), so the batch's other videos, the
    slot, the batch size and the thread count change no bit. Runs are bit-comparable with the same chunk size
    on the same kind of device."""

    def __init__(
        self,
        batch_size: int = 8,
        device: torch.device | str = "cpu",
        models: subgraphs.Models | None = None,
        confidence: subgraphs.Confidence = subgraphs.DEFAULT_CONFIDENCE,
        chunk_size: int = subgraphs.DEFAULT_CHUNK_SIZE,
    ):
        deterministic_kernels()
        self.batch_size = batch_size
        self.device = torch.device(device)
        self.models = models or subgraphs.Models(self.device, chunk_size=chunk_size)
        self.confidence = confidence

    def process_videos(
        self, videos: Iterable[tuple[str, Iterable[np.ndarray]]]
    ) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
        """For each (key, RGB uint8 frames [H, W, 3]) yield (key, keypoints float32 [n, 143, 3], presence bool
        [n, 4]) in the project's layout, as each video finishes (not necessarily in input order)."""
        queue = iter(videos)
        slots: list[_Slot | None] = [None] * self.batch_size
        state = HolisticState(self.batch_size, self.device)
        while True:
            frames, new = [], torch.zeros(self.batch_size, dtype=torch.bool)
            for i in range(self.batch_size):
                frame = slots[i].next_frame() if slots[i] else None
                while frame is None:
                    if slots[i] is not None:
                        yield slots[i].result()
                    slots[i] = _Slot.take(queue)
                    if slots[i] is None:
                        break
                    new[i] = True
                    frame = slots[i].next_frame()
                frames.append(frame)
            if all(frame is None for frame in frames):
                return
            keypoints, presence = self._step(state, frames, new)
            for i, frame in enumerate(frames):
                if frame is not None:
                    slots[i].keep(keypoints[i], presence[i])

    @torch.inference_mode()
    def _step(self, state: HolisticState, frames: list[np.ndarray | None], new: torch.Tensor):
        """One lock-step frame; slots flagged `new` start a video. Returns numpy keypoints [B, 143, 3], presence."""
        batch, sizes, active, new = _upload(frames, new, self.device)
        state.clear(new)
        keypoints, presence = to_keypoints(
            holistic_step(self.models, state, batch, sizes, active, confidence=self.confidence)
        )
        return keypoints.cpu().numpy(), presence.cpu().numpy()


def _upload(frames: list[np.ndarray | None], new: torch.Tensor, device) -> tuple[torch.Tensor, ...]:
    """Frames of one step on the device as uint8 [B, Hmax, Wmax, 3] (each at the top left), sizes float [B, 2],
    active [B] and `new` [B]; on CUDA through pinned memory, so that the copies do not stop the host."""
    pinned = torch.device(device).type == "cuda"
    shapes = [frame.shape for frame in frames if frame is not None]
    height, width = max(s[0] for s in shapes), max(s[1] for s in shapes)
    batch = torch.zeros((len(frames), height, width, 3), dtype=torch.uint8, pin_memory=pinned)
    sizes = torch.ones((len(frames), 2), dtype=torch.float32, pin_memory=pinned)
    flags = torch.zeros((2, len(frames)), dtype=torch.bool, pin_memory=pinned)  # active, new
    pixels, sizes_array, flags_array = batch.numpy(), sizes.numpy(), flags.numpy()
    for i, frame in enumerate(frames):
        if frame is not None:
            pixels[i, : frame.shape[0], : frame.shape[1]] = frame
            sizes_array[i] = (frame.shape[1], frame.shape[0])
            flags_array[0, i] = True
    flags_array[1] = new.numpy()
    batch, sizes, flags = (tensor.to(device, non_blocking=True) for tensor in (batch, sizes, flags))
    return batch, sizes, flags[0], flags[1]


class _Slot:
    """One video in a batch slot: its frame iterator and the rows computed so far."""

    def __init__(self, key: str, frames: Iterable[np.ndarray]):
        self.key, self.frames = key, iter(frames)
        self.keypoints: list[np.ndarray] = []
        self.presence: list[np.ndarray] = []

    @classmethod
    def take(cls, queue) -> "_Slot | None":
        item = next(queue, None)
        return None if item is None else cls(*item)

    def next_frame(self) -> np.ndarray | None:
        frame = next(self.frames, None)
        if frame is not None and (frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3):
            raise ValueError(f"{self.key}: frames must be RGB uint8 [H, W, 3], got {frame.dtype} {frame.shape}")
        return frame

    def keep(self, keypoints: np.ndarray, presence: np.ndarray) -> None:
        self.keypoints.append(keypoints)
        self.presence.append(presence)

    def result(self) -> tuple[str, np.ndarray, np.ndarray]:
        keypoints = np.stack(self.keypoints) if self.keypoints else np.zeros((0, NUM_POINTS, NUM_COORDS), np.float32)
        presence = np.stack(self.presence) if self.presence else np.zeros((0, len(PART_NAMES)), bool)
        return self.key, keypoints.astype(np.float32, copy=False), presence
