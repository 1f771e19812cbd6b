"""What the torch engine can run, checked before any job starts. Importing this module needs no torch: the
workflow's plan imports it, and saying that torch is missing is one of its checks."""

from ..errors import InputError
from ..holistic import HolisticSettings

# The graph the engine runs is Holistic's with these default settings; its confidences may take any value.
SETTINGS = HolisticSettings()
FIXED_SETTINGS = ("static_image_mode", "model_complexity", "refine_face_landmarks")


def check_engine(config: dict) -> None:
    """With engine: torch, refuse Holistic settings the engine's graph does not run, a missing torch or tflite,
    and a model not found where torch_engine.models (or the installed mediapipe wheel) should hold it."""
    if config["engine"] != "torch":
        return
    fixed = {key: getattr(SETTINGS, key) for key in FIXED_SETTINGS}
    other = {key: config["holistic"][key] for key in FIXED_SETTINGS if fixed[key] != config["holistic"][key]}
    if other:
        raise InputError(
            f"engine: torch runs Holistic with {fixed}, not {other}.\n"
            "Fix: use engine: mediapipe for these settings, or leave them at their defaults."
        )
    try:
        import tflite  # noqa: F401
        import torch  # noqa: F401
    except ImportError as err:
        raise InputError(
            f"engine: torch needs {err.name}, which is not installed.\n"
            "Fix: make run ENGINE=torch (or pip install -r requirements-engine.txt)."
        ) from None
    from .tflite_torch import HOLISTIC_MODELS, mediapipe_model_path

    for name in HOLISTIC_MODELS:
        try:
            mediapipe_model_path(name, config["torch_engine"].get("models"))
        except FileNotFoundError as err:
            raise InputError(
                f"engine: torch cannot find its model {name}: {err}.\n"
                "Fix: set torch_engine.models to a folder laid out as the mediapipe package (modules/...), "
                "or leave it out to use the installed mediapipe wheel's."
            ) from None
