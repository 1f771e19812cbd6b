"""The GPU slot pool, with real concurrent processes and a real kill -9."""

import json
import os
import signal
import subprocess
import sys
import time

from phoenix_keypoints.gpu_slots import acquire_gpu_slot

HOLDER = """
import json, sys, time
from phoenix_keypoints.gpu_slots import acquire_gpu_slot
with acquire_gpu_slot({slots}, {lock_dir!r}, poll_seconds=0.01) as slot:
    start = time.monotonic()
    print("acquired", flush=True)
    time.sleep({hold})
    end = time.monotonic()
print(json.dumps([slot.cuda_visible_devices, start, end]))
"""


def holder(lock_dir, slots, hold, environ=None):
    code = HOLDER.format(slots=slots, lock_dir=str(lock_dir), hold=hold)
    env = {k: v for k, v in os.environ.items() if k not in ("CUDA_VISIBLE_DEVICES", "SLURM_JOB_ID")}
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=environ or env)


def test_concurrent_processes_never_share_a_slot(tmp_path):
    processes = [holder(tmp_path, 3, 0.15) for _ in range(12)]
    spans = [json.loads(p.communicate(timeout=60)[0].splitlines()[-1]) for p in processes]
    assert {device for device, _, _ in spans} == {"0", "1", "2"}
    for i, (device, start, end) in enumerate(spans):
        for other_device, other_start, other_end in spans[i + 1 :]:
            if device == other_device:
                assert end <= other_start or other_end <= start, "two holders of one slot at once"


def test_a_killed_holder_frees_its_slot(tmp_path):
    victim = holder(tmp_path, 1, 60)
    assert victim.stdout.readline().strip() == "acquired"
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    started = time.monotonic()
    environ = {}
    with acquire_gpu_slot(1, tmp_path, environ=environ) as slot:
        assert slot.cuda_visible_devices == "0" and environ["CUDA_VISIBLE_DEVICES"] == "0"
    assert time.monotonic() - started < 5


def test_a_schedulers_devices_are_kept(tmp_path):
    environ = {"SLURM_JOB_ID": "42", "CUDA_VISIBLE_DEVICES": "3"}
    slot = acquire_gpu_slot(4, tmp_path, environ=environ)
    assert (slot.cuda_visible_devices, slot.source) == ("3", "scheduler (SLURM_JOB_ID)")
    assert environ["CUDA_VISIBLE_DEVICES"] == "3" and not list(tmp_path.iterdir())


def test_user_visible_devices_form_the_pool(tmp_path):
    environ = {"CUDA_VISIBLE_DEVICES": "5,7"}
    with acquire_gpu_slot(2, tmp_path, environ=environ) as first:
        inner = dict(environ, CUDA_VISIBLE_DEVICES="5,7")
        with acquire_gpu_slot(2, tmp_path, environ=inner) as second:
            assert (first.cuda_visible_devices, second.cuda_visible_devices) == ("5", "7")


def test_no_pool_without_gpus(tmp_path):
    slot = acquire_gpu_slot(0, tmp_path, environ={})
    assert slot.cuda_visible_devices is None and slot.source == "none"
