"""The conda environments carry the same pins as the requirements files."""

import re

import pytest
import yaml

from phoenix_keypoints.testing import REPO


def pins(lines):
    return dict(re.match(r"^\s*-?\s*([A-Za-z0-9_.-]+)==(\S+)", line).groups() for line in lines if "==" in line)


def env_pins(name: str) -> tuple[dict, list]:
    """(pip pins, conda dependencies) of envs/<name>."""
    env = yaml.safe_load((REPO / "envs" / name).read_text())
    return pins(next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))), env["dependencies"]


@pytest.mark.parametrize(
    ("env", "requirements", "needed"),
    [
        ("keypoints.yaml", ["requirements.txt"], ["mediapipe", "numpy", "protobuf", "opencv-contrib-python"]),
        ("engine.yaml", ["requirements.txt", "requirements-engine.txt"], ["mediapipe", "numpy", "torch", "tflite"]),
    ],
)
def test_conda_env_pins_agree_with_requirements(env, requirements, needed):
    required = {}
    for name in requirements:
        required |= pins((REPO / name).read_text().splitlines())
    conda_pins, dependencies = env_pins(env)
    assert conda_pins, f"envs/{env} pins nothing"
    for name, version in conda_pins.items():
        assert required.get(name) == version, f"{name}: {version} in envs/{env}, {required.get(name)} in requirements"
    for name in needed:
        assert name in conda_pins
    python = next(d for d in dependencies if isinstance(d, str) and d.startswith("python="))
    assert python in ("python=3.11", "python=3.12")


def test_the_engine_env_is_the_keypoints_env_plus_the_engine():
    keypoints, keypoints_dependencies = env_pins("keypoints.yaml")
    engine, engine_dependencies = env_pins("engine.yaml")
    assert engine.items() >= keypoints.items()
    assert [d for d in engine_dependencies if isinstance(d, str)] == [
        d for d in keypoints_dependencies if isinstance(d, str)
    ]
