"""Arithmetic that gives the same bits on CPU and CUDA, and constants copied to a device once."""

import functools
import os

import torch


def divide(x: torch.Tensor, divisor: float) -> torch.Tensor:
    """x / divisor, divided exactly on every device (CUDA multiplies by the reciprocal of a Python or CPU scalar
    divisor)."""
    return x / constant(divisor, x.dtype, x.device)


@functools.cache
def constant(values: tuple | float, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """torch.tensor(values) on `device`, made once: copying a constant on every call blocks the host on CUDA."""
    return torch.tensor(values, dtype=dtype, device=device)


def deterministic_kernels() -> None:
    """torch's global switches for the engine's arithmetic, set where an engine is built: plain fp32 (XNNPACK
    computes so; TF32 keeps only 10 mantissa bits), deterministic kernels only, and no cuDNN autotuning, whose
    choice of algorithm may change from run to run. cuBLAS needs its workspace fixed before its first call
    (torch raises otherwise); a CUBLAS_WORKSPACE_CONFIG already set is kept."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    torch.use_deterministic_algorithms(True)
