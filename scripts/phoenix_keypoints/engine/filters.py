"""PoseLandmarkFiltering (spec S2.7, §3.9): visibility low-pass and one-euro filters, per video, as tensors.

Precision as in MediaPipe's C++: LowPassFilter stores floats and mixes in double, OneEuroFilter works in double
and hands floats to its low-pass filters. Holistic's timestamps are 33,333 us apart, so every filter step after
the first sees the same frequency.
"""

import math

import torch

from .device import divide

FRAME_STEP_NS = 33_333_000
FREQUENCY = 1.0 / (FRAME_STEP_NS * 1e-9)
VISIBILITY_ALPHA = torch.tensor(0.1, dtype=torch.float32)
MIN_ALLOWED_OBJECT_SCALE = float(torch.tensor(1e-6, dtype=torch.float32))


def one_euro_alpha(cutoff: torch.Tensor) -> torch.Tensor:
    """OneEuroFilter::GetAlpha in double (cutoff float64)."""
    te = 1.0 / FREQUENCY
    tau = 1.0 / (2 * math.pi * cutoff)
    return 1.0 / (1.0 + divide(tau, te))


def low_pass(value: torch.Tensor, alpha: torch.Tensor, stored: torch.Tensor) -> torch.Tensor:
    """LowPassFilter::Apply once initialised: float(alpha * value) + (1.0 - alpha) * stored, in double, to float."""
    return ((alpha * value).double() + (1.0 - alpha.double()) * stored.double()).float()


class PoseFilters:
    """Filter state of B videos for the 33 pose and 2 auxiliary landmarks ([B, 35, ...] tensors).

    The one-euro filters are recreated when pose is lost (LandmarksSmoothingCalculator resets on an empty input);
    the visibility filters are not (VisibilitySmoothingCalculator never runs on an empty input).
    """

    def __init__(self, batch: int, device: torch.device):
        f32 = dict(dtype=torch.float32, device=device)
        # (min_cutoff, beta) as proto floats: pose {0.05, 80}, auxiliary {0.01, 10}; derivate_cutoff 1.
        min_cutoff = torch.tensor([0.05] * 33 + [0.01] * 2, **f32).double()
        beta = torch.tensor([80.0] * 33 + [10.0] * 2, **f32).double()
        self.min_cutoff, self.beta = min_cutoff[:, None], beta[:, None]
        self.derivative_alpha = one_euro_alpha(torch.ones((), dtype=torch.float64, device=device)).float()
        self.visibility_alpha = VISIBILITY_ALPHA.to(device)
        self.raw = torch.zeros(batch, 35, 3, **f32)
        self.stored = torch.zeros(batch, 35, 3, **f32)
        self.derivative = torch.zeros(batch, 35, 3, **f32)
        self.started = torch.zeros(batch, dtype=torch.bool, device=device)
        self.visibility = torch.zeros(batch, 35, **f32)
        self.visibility_started = torch.zeros(batch, dtype=torch.bool, device=device)

    def clear(self, slots: torch.Tensor) -> None:
        """A new video in these slots (bool [B]): no state at all."""
        self.started &= ~slots
        self.visibility_started &= ~slots

    def reset(self, lost: torch.Tensor) -> None:
        """Pose lost in these slots (bool [B]): one-euro filters recreated, visibility kept."""
        self.started &= ~lost

    def smooth_visibility(self, slots: torch.Tensor, visibility: torch.Tensor) -> torch.Tensor:
        """VisibilitySmoothingCalculator (alpha 0.1) on [n, 35] for the slots (long [n]) with a pose."""
        stored = self.visibility[slots]
        started = self.visibility_started[slots, None]
        out = torch.where(started, low_pass(visibility, self.visibility_alpha, stored), visibility)
        self.visibility[slots] = out
        self.visibility_started[slots] = True
        return out

    def smooth_landmarks(
        self, slots: torch.Tensor, landmarks: torch.Tensor, object_scale: torch.Tensor, sizes: torch.Tensor
    ) -> torch.Tensor:
        """LandmarksSmoothingCalculator (one-euro) on normalised [n, 35, 3]; object_scale float32 [n] in pixels."""
        w, h = sizes[:, 0, None], sizes[:, 1, None]
        value = torch.stack((landmarks[..., 0] * w, landmarks[..., 1] * h, landmarks[..., 2] * w), dim=-1)
        started = self.started[slots, None, None]
        raw, stored, derivative = self.raw[slots], self.stored[slots], self.derivative[slots]
        value_scale = (1.0 / object_scale).double()[:, None, None]
        dvalue = (value.double() - raw.double()) * value_scale * FREQUENCY
        edvalue = low_pass(dvalue.float(), self.derivative_alpha, derivative)
        cutoff = self.min_cutoff + self.beta * edvalue.double().abs()
        alpha = one_euro_alpha(cutoff).float()
        filtered = torch.where(started, low_pass(value, alpha, stored), value)
        edvalue = torch.where(started, edvalue, torch.zeros_like(edvalue))
        # Below the minimum object scale the calculator passes the landmarks through and touches no state.
        apply = object_scale.double() >= MIN_ALLOWED_OBJECT_SCALE
        keep = apply[:, None, None]
        self.raw[slots] = torch.where(keep, value, raw)
        self.stored[slots] = torch.where(keep, filtered, stored)
        self.derivative[slots] = torch.where(keep, edvalue, derivative)
        self.started[slots] = self.started[slots] | apply
        filtered = torch.where(keep, filtered, value)
        return torch.stack((filtered[..., 0] / w, filtered[..., 1] / h, filtered[..., 2] / w), dim=-1)
