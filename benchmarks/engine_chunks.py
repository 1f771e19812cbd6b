"""Which model-call sizes give a crop the same bits whatever its batch-mates, position and torch threads, and
their CPU time per crop: the figures behind torch_engine.chunk_size's default.

    python benchmarks/engine_chunks.py [--quick] [--chunks 1 2 4 8 16] [--json FILE]

Needs requirements-engine.txt. For each of the six models, on seeded random inputs: a crop first in a call of
`chunk` crops on one thread, last in a call with other batch-mates on two threads, and last again with others on
one thread; `invariant` is 1 where all three give the same bits, `equals_16` where they equal the crop's output
in a call of 16. CPU ms per crop: one thread, the mean over about a second of calls. --quick: chunks 1 and 4.
"""

import time

import torch

from benchlib import Figures, argument_parser
from phoenix_keypoints.engine.tflite_torch import HOLISTIC_MODELS, load_model, mediapipe_model_path


def outputs(model, batch: torch.Tensor, threads: int) -> tuple[torch.Tensor, ...]:
    torch.set_num_threads(threads)
    with torch.inference_mode():
        return model(batch)


def cpu_ms_per_crop(model, batch: torch.Tensor, seconds: float) -> float:
    torch.set_num_threads(1)
    with torch.inference_mode():
        model(batch)
        calls, start = 0, time.process_time()
        while time.process_time() - start < seconds:
            model(batch)
            calls += 1
    return (time.process_time() - start) / calls / len(batch) * 1000


def main() -> None:
    parser = argument_parser(__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, nargs="+", default=[1, 2, 4, 8, 16])
    args = parser.parse_args()
    chunks = [1, 4] if args.quick else args.chunks
    figures = Figures("engine_chunks", args.json)
    figures.note(f"torch {torch.__version__}, oneDNN {torch.backends.mkldnn.is_available()}")
    generator = torch.Generator().manual_seed(0)
    threads = torch.get_num_threads()
    for name in HOLISTIC_MODELS:
        model = load_model(mediapipe_model_path(name))
        crops = torch.rand(48, *model.input_shapes[0][1:], generator=generator)
        of_16 = outputs(model, crops[:16], 2)
        for chunk in chunks:
            first = outputs(model, crops[:chunk], 1)
            among_others = outputs(model, torch.cat((crops[16 : 16 + chunk - 1], crops[:1])), 2)
            among_others_1 = outputs(model, torch.cat((crops[32 : 32 + chunk - 1], crops[:1])), 1)
            invariant = all(
                torch.equal(a[0], b[-1]) and torch.equal(a[0], c[-1])
                for a, b, c in zip(first, among_others, among_others_1, strict=True)
            )
            equals_16 = invariant and all(torch.equal(a[0], b[0]) for a, b in zip(first, of_16, strict=True))
            figures.add(f"engine_chunks.{name}.c{chunk}.invariant", invariant, digits=0)
            figures.add(f"engine_chunks.{name}.c{chunk}.equals_16", equals_16, digits=0)
            cost = cpu_ms_per_crop(model, crops[:chunk], 0.2 if args.quick else 1.0)
            figures.add(f"engine_chunks.{name}.c{chunk}.cpu_ms_per_crop", cost, "ms", digits=2)
    torch.set_num_threads(threads)
    figures.save()


if __name__ == "__main__":
    main()
