"""The conda environment carries the same pins as requirements.txt."""

import re

import yaml

from conftest import REPO


def pins(lines):
    return dict(re.match(r"^\s*-?\s*([A-Za-z0-9_.-]+)==(\S+)", line).groups() for line in lines if "==" in line)


def test_conda_env_pins_agree_with_requirements():
    requirements = pins((REPO / "requirements.txt").read_text().splitlines())
    env = yaml.safe_load((REPO / "envs/keypoints.yaml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    conda_pins = pins(pip)
    assert conda_pins, "envs/keypoints.yaml pins nothing"
    for name, version in conda_pins.items():
        assert requirements.get(name) == version, f"{name}: {version} in envs, {requirements.get(name)} in requirements"
    for needed in ("mediapipe", "numpy", "protobuf", "opencv-contrib-python"):
        assert needed in conda_pins
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    assert python in ("python=3.11", "python=3.12")
