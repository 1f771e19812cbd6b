"""The settings a results folder was made with, so that every later command works on the same dataset.

A run records its configuration in results/settings.yaml, with the keys that were chosen on the command
line (--config, --configfile). A later command in the same folder that does not choose them again (make
resume, make report, snakemake export_pose) takes them from the record instead of the config file's
defaults. A command that names another dataset is refused: one results folder holds one dataset.
"""

from pathlib import Path

import yaml

from .atomic import write_text
from .errors import InputError

RECORD_NAME = "settings.yaml"
NULL_SPELLINGS = ("null", "Null", "NULL", "~", "None")  # YAML's nulls, and Python's


def typed(value):
    """--config key='{a: 0.6}' reaches the config as {'a': '0.6'} (Snakemake parses nested values as strings):
    give the nested scalars their YAML types."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    if isinstance(value, str):
        return yaml.safe_load(value) if value.strip() else value
    return value


def dotted_keys(config: dict, prefix: str = "") -> dict[str, object]:
    """{'holistic.model_complexity': 1, ...}: the leaves of a nested config."""
    leaves = {}
    for key, value in config.items():
        if isinstance(value, dict) and value:
            leaves |= dotted_keys(value, f"{prefix}{key}.")
        else:
            leaves[f"{prefix}{key}"] = value
    return leaves


def set_dotted(config: dict, key: str, value) -> None:
    *parents, leaf = key.split(".")
    for parent in parents:
        config = config.setdefault(parent, {})
    config[leaf] = value


def dataset_identity(config: dict) -> str:
    """What identifies the dataset (recorded as dataset_root): the manifest, or the release's root folder."""
    return str(Path(config["manifest"] or config["dataset_path"]).resolve())


def read_record(results: str | Path) -> dict | None:
    path = Path(results) / RECORD_NAME
    if not path.is_file():
        return None
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def settle(
    config: dict, command_line: dict, command_line_raw: dict, results: str | Path, nullable: frozenset = frozenset()
) -> list[tuple[str, object, object]]:
    """Make `config` the one this command should run with, in place; returns what was taken from the record:
    (dotted key, the recorded value, the value it replaced).

    command_line: what --configfile and --config set; command_line_raw: what --config set, as Snakemake
    parsed it (nested values as strings); nullable: the top-level keys whose value may be null.
    """
    for key in command_line_raw:
        if isinstance(config.get(key), dict | list):
            config[key] = typed(config[key])
        elif key in nullable and config.get(key) in NULL_SPELLINGS:  # Snakemake keeps --config key=null a string
            config[key] = None
    record = read_record(results)
    if record is None:
        return []
    chosen = dotted_keys(command_line)
    replaced = dotted_keys(config)
    kept = []
    for key, value in dotted_keys(record["config"]).items():
        if key in record["from_command_line"] and key not in chosen:
            set_dotted(config, key, value)
            kept.append((key, value, replaced.get(key)))
    recorded_root = record["dataset_root"]
    if dataset_identity(config) != recorded_root:
        raise InputError(
            f"{results}/ holds the keypoints of {recorded_root} ({results}/{RECORD_NAME}), and this command asks "
            f"for {dataset_identity(config)}: one results folder holds one dataset.\n"
            f"Fix: to go on with {recorded_root}, leave dataset_path (or manifest) out; for the other dataset, run "
            "in another folder (snakemake --directory OTHER ...) or delete results/ first (make clean)."
        )
    return kept


def write_record(config: dict, command_line: dict, results: str | Path) -> None:
    """Record the settings of a run that starts now: its config and the keys chosen on the command line
    (by this command, or by an earlier one that the record carried over)."""
    previous = read_record(results)
    chosen = set(dotted_keys(command_line)) | set(previous["from_command_line"] if previous else ())
    record = {
        "dataset_root": dataset_identity(config),
        "from_command_line": sorted(chosen),
        "config": config,
    }
    write_text(Path(results) / RECORD_NAME, yaml.safe_dump(record, sort_keys=False, allow_unicode=True))
