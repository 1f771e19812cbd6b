"""Batched MediaPipe Holistic in PyTorch: the wheel's .tflite models as torch modules (issue 11)."""
