"""Arithmetic that gives the same bits on CPU and CUDA, and constants copied to a device once."""

import functools

import torch


def divide(x: torch.Tensor, divisor: float) -> torch.Tensor:
    """x / divisor, divided exactly on every device (CUDA multiplies by the reciprocal of a Python or CPU scalar
    divisor)."""
    return x / constant(divisor, x.dtype, x.device)


@functools.cache
def constant(values: tuple | float, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """torch.tensor(values) on `device`, made once: copying a constant on every call blocks the host on CUDA."""
    return torch.tensor(values, dtype=dtype, device=device)
