"""The engine's models against TFLite: largest output differences and CPU time per sample, at 1 thread.

    python benchmarks/engine_models.py [--quick] [--json FILE]

Needs requirements-engine.txt and ../shared/data. For each of the six Holistic models, on the real crops of
phoenix_keypoints.testing.litert:
  * max |torch - XNNPACK| per output, next to max |TFLite's own kernels - XNNPACK| (the reference runtime's
    own fp32 spread), and how many of MediaPipe's decisions differ;
  * CPU ms per sample: LiteRT/XNNPACK at batch 1 (as MediaPipe runs) and at batch 16 where the model allows it
    (the two detectors hard-code batch 1 in their RESHAPEs), torch at batch 1 and 16. Every sample of LiteRT's
    batch 16 is checked against that sample alone: where any differs (hand_recrop's slices stop at sample 1 when
    batched), the batch-16 time is left out and the wrong samples are counted instead.
"""

import time

import numpy as np
import torch
from ai_edge_litert.interpreter import Interpreter

from benchlib import Figures, argument_parser
from phoenix_keypoints.engine.tflite_torch import HOLISTIC_MODELS, load_model, mediapipe_model_path
from phoenix_keypoints.testing.litert import available, decisions, litert_outputs, model_inputs

BATCH = 16
# LiteRT resizes these to batch 16 (the outputs of each sample are checked against that sample alone below).
LITERT_BATCHES = {"pose_landmark_full", "hand_recrop", "hand_landmark_full", "face_landmark"}
# Largest |batched - alone| of a LiteRT output that still counts as the same result.
SAME_OUTPUT = 1e-3


def cpu_ms_per_sample(run, batch: int, repeat: int) -> float:
    """Best of `repeat` timed calls (after one warm-up), CPU time of this process divided by the batch."""
    run()
    best = float("inf")
    for _ in range(repeat):
        cpu0 = time.process_time()
        run()
        best = min(best, time.process_time() - cpu0)
    return 1000 * best / batch


def litert_runner(path, batch: int, inputs: np.ndarray):
    interpreter = Interpreter(model_path=str(path), num_threads=1)
    (tensor_in,) = interpreter.get_input_details()
    interpreter.resize_tensor_input(tensor_in["index"], [batch, *tensor_in["shape"][1:]])
    interpreter.allocate_tensors()
    interpreter.set_tensor(tensor_in["index"], inputs)
    outputs = interpreter.get_output_details()

    def run():
        interpreter.invoke()
        return [interpreter.get_tensor(out["index"]) for out in outputs]

    return run


def wrong_samples(path, batch: np.ndarray) -> tuple[list[int], float]:
    """The samples whose outputs from LiteRT at this batch size differ from the same sample run alone, and the
    largest difference of any output."""
    batched = litert_runner(path, len(batch), batch)()
    wrong, largest = [], 0.0
    for i in range(len(batch)):
        alone = litert_runner(path, 1, batch[i : i + 1])()
        difference = max(float(np.abs(ours[i] - theirs[0]).max()) for ours, theirs in zip(batched, alone, strict=True))
        largest = max(largest, difference)
        if difference > SAME_OUTPUT:
            wrong.append(i)
    return wrong, largest


def main() -> None:
    args = argument_parser(__doc__).parse_args()
    if not available():
        raise SystemExit("../shared/data is missing")
    torch.set_num_threads(1)
    figures = Figures("engine_models", args.json)
    repeat = 1 if args.quick else 5
    for name in HOLISTIC_MODELS:
        path = mediapipe_model_path(name)
        model = load_model(path)
        inputs = model_inputs(name)
        with torch.inference_mode():
            ours = [out.numpy() for out in model(torch.from_numpy(inputs))]
        xnnpack = litert_outputs(path, inputs)
        builtin = litert_outputs(path, inputs, xnnpack=False)
        figures.note(f"{name}: {len(inputs)} real crops")
        for k, (out, ref, other) in enumerate(zip(ours, xnnpack, builtin, strict=True)):
            figures.add(f"engine.{name}.out{k}.max_abs_diff", float(np.abs(out - ref).max()), digits=7)
            figures.add(f"engine.{name}.out{k}.builtin_vs_xnnpack", float(np.abs(other - ref).max()), digits=7)
            figures.add(f"engine.{name}.out{k}.max_abs_ref", float(np.abs(ref).max()), digits=2)
        if name == "pose_landmark_full":
            # x, y of the 33 landmarks on the person crops (every other crop), in px of the 256 crop
            xy = [out.reshape(len(out), 39, 5)[::2, :33, :2] for out in (ours[0], xnnpack[0])]
            figures.add(f"engine.{name}.person_xy_max_abs_diff", float(np.abs(xy[0] - xy[1]).max()), "px", digits=7)
        ours_decided, ref_decided = decisions(name, ours), decisions(name, xnnpack)
        for decision, ref in ref_decided.items():
            figures.note(f"{name}: '{decision}' differs in {int((ours_decided[decision] != ref).sum())} of {ref.size}")

        batch = np.resize(inputs, (BATCH, *inputs.shape[1:]))  # the crops repeated up to 16
        with torch.inference_mode():
            for size in (1, BATCH):
                sample = torch.from_numpy(batch[:size])
                ms = cpu_ms_per_sample(lambda model=model, sample=sample: model(sample), size, repeat)
                figures.add(f"engine.{name}.torch_ms_b{size}", ms, "ms")
        for size in (1, BATCH) if name in LITERT_BATCHES else (1,):
            if size > 1:  # batched LiteRT must give what it gives one sample at a time, every sample
                wrong, largest = wrong_samples(path, batch[:size])
                figures.add(f"engine.{name}.litert_b{size}_wrong_samples", len(wrong), digits=0)
                if wrong:
                    figures.note(
                        f"{name}: LiteRT at batch {size} gives wrong outputs for samples {wrong} (up to {largest:.3g} "
                        "off): its time at that batch is left out"
                    )
                    continue
            run = litert_runner(path, size, batch[:size])
            figures.add(f"engine.{name}.litert_ms_b{size}", cpu_ms_per_sample(run, size, repeat), "ms")
    figures.save()


if __name__ == "__main__":
    main()
