"""The engine's model loader: each Holistic .tflite model in torch against ai-edge-litert (XNNPACK, as MediaPipe
runs it) on real crops, at batch 1 and a full batch; and the sparse-weight decoding against the interpreter.

Skipped where requirements-engine.txt or ../shared/data is absent. Figures: benchmarks/engine_models.py.
"""

import numpy as np
import pytest

# One torch thread: the machine is shared (conftest.one_torch_thread).
# Six models on real crops against the LiteRT interpreter: slow.
pytestmark = [pytest.mark.slow, pytest.mark.engine, pytest.mark.usefixtures("one_torch_thread")]
torch = pytest.importorskip("torch")
tflite = pytest.importorskip("tflite")
pytest.importorskip("ai_edge_litert")

from ai_edge_litert.interpreter import Interpreter, OpResolverType  # noqa: E402

from phoenix_keypoints.engine.tflite_torch import (  # noqa: E402
    HOLISTIC_MODELS,
    _densify,
    load_model,
    mediapipe_model_path,
)
from phoenix_keypoints.testing import litert as engine_reference  # noqa: E402

if not engine_reference.available():
    pytest.skip(f"{engine_reference.SHARED_DATA} is missing", allow_module_level=True)

# Largest |torch - XNNPACK| allowed per output, in the output's own units. Both runtimes compute in fp32 but
# sum in different orders, so the outputs differ by rounding that grows with depth and magnitude. Each bound is
# about 4x the largest difference measured on these crops, a difference of the same size as that between
# TFLite's own built-in kernels and XNNPACK on the same crops (benchmarks/engine_models.py, docs/engine-design.md).
# Conversion errors (padding side, channel order, flattening order) move outputs by whole units or more.
TOLERANCES = {
    # boxes and keypoints (px of the 224 input), score logits
    "pose_detection": (7e-3, 3e-3),
    # landmarks (px of the 256 crop; visibility/presence logits), flag, segmentation logits, heatmap logits,
    # world landmarks (m). Segmentation logits reach |1770| on non-person crops; Holistic does not use them.
    "pose_landmark_full": (5e-2, 2e-5, 60.0, 2e-2, 2e-4),
    # two points (px of the 256 crop)
    "hand_recrop": (2e-4,),
    # landmarks (px of the 224 crop), flag, handedness, world landmarks (m)
    "hand_landmark_full": (1e-3, 7e-6, 2e-5, 3e-6),
    # boxes and keypoints (px of the 128 input), score logits
    "face_detection_short_range": (1.5e-3, 2.5e-3),
    # 468 landmarks (px of the 192 crop), face flag logit
    "face_landmark": (6e-4, 7e-5),
}


@pytest.fixture(scope="module", params=list(HOLISTIC_MODELS))
def case(request):
    """One model: its real crops, the XNNPACK outputs (one sample at a time), torch's outputs for the batch."""
    name = request.param
    path = mediapipe_model_path(name)
    model = load_model(path)
    inputs = engine_reference.model_inputs(name)
    with torch.inference_mode():
        ours = [out.numpy() for out in model(torch.from_numpy(inputs))]
    return name, model, inputs, engine_reference.litert_outputs(path, inputs), ours


def test_batch_outputs_match_litert(case):
    name, _, inputs, reference, ours = case
    assert len(inputs) >= 11
    assert len(ours) == len(reference) == len(TOLERANCES[name])
    for k, (out, ref, tolerance) in enumerate(zip(ours, reference, TOLERANCES[name], strict=True)):
        assert out.shape == ref.shape and out.dtype == np.float32, f"{name} output {k}"
        np.testing.assert_allclose(out, ref, rtol=0, atol=tolerance, err_msg=f"{name} output {k}")


def test_batch_of_one_matches_litert(case):
    name, model, inputs, reference, _ = case
    for index in (0, len(inputs) - 1):
        with torch.inference_mode():
            ours = model(torch.from_numpy(inputs[index : index + 1]))
        for k, (out, ref, tolerance) in enumerate(zip(ours, reference, TOLERANCES[name], strict=True)):
            assert out.shape == (1, *ref.shape[1:]), f"{name} output {k}"
            np.testing.assert_allclose(out.numpy()[0], ref[index], rtol=0, atol=tolerance, err_msg=f"{name} {k}")


def test_mediapipe_decisions_agree(case):
    """Every threshold and argmax MediaPipe takes from the outputs; the crops put each flag on both sides."""
    name, _, _, reference, ours = case
    expected, decided = engine_reference.decisions(name, reference), engine_reference.decisions(name, ours)
    for decision, values in expected.items():
        np.testing.assert_array_equal(decided[decision], values, err_msg=f"{name}: {decision}")
        if values.dtype == bool:
            assert values.any() and not values.all(), f"{name}: '{decision}' is not exercised both ways"


def test_sparse_weights_decode_as_the_interpreter_does():
    """pose_detection's DENSIFY inputs, decoded from their sparsity metadata, equal the interpreter's dense
    tensors bit for bit (TFLite's own kernels: the XNNPACK delegate does not fill these tensors)."""
    path = mediapipe_model_path("pose_detection")
    model = tflite.Model.GetRootAsModel(path.read_bytes(), 0)
    graph = model.Subgraphs(0)
    interpreter = Interpreter(
        model_path=str(path),
        experimental_preserve_all_tensors=True,
        experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
    )
    interpreter.allocate_tensors()
    (tensor_in,) = interpreter.get_input_details()
    interpreter.set_tensor(tensor_in["index"], engine_reference.model_inputs("pose_detection")[:1])
    interpreter.invoke()
    decoded = 0
    for i in range(graph.OperatorsLength()):
        op = graph.Operators(i)
        code = model.OperatorCodes(op.OpcodeIndex())
        if tflite.opcode2name(max(code.BuiltinCode(), code.DeprecatedBuiltinCode())) != "DENSIFY":
            continue
        sparse = graph.Tensors(op.Inputs(0))
        values = np.frombuffer(model.Buffers(sparse.Buffer()).DataAsNumpy().tobytes(), np.float16)
        shape = [sparse.Shape(k) for k in range(sparse.ShapeLength())]
        ours, theirs = _densify(values, shape, sparse.Sparsity()), interpreter.get_tensor(op.Outputs(0))
        assert ours.dtype == theirs.dtype == np.float16 and ours.shape == theirs.shape
        assert np.array_equal(ours.view(np.uint16), theirs.view(np.uint16)), f"DENSIFY op {i}"
        assert 0 < np.count_nonzero(ours) <= len(values) < ours.size
        decoded += 1
    assert decoded == 38


def test_model_files_and_input_check():
    for name in HOLISTIC_MODELS:
        assert mediapipe_model_path(name).stat().st_size > 100_000
    model = load_model(mediapipe_model_path("hand_recrop"))
    with pytest.raises(ValueError, match=r"expected float32 \[B, 256, 256, 3\]"):
        model(torch.zeros(1, 3, 256, 256))
    with pytest.raises(ValueError, match="float32"):
        model(torch.zeros(1, 256, 256, 3, dtype=torch.float64))


def test_the_models_come_from_the_folder_given(tmp_path):
    """torch_engine.models: a folder laid out as the mediapipe package, as on a GPU host without the wheel."""
    from phoenix_keypoints.engine.subgraphs import Models

    for name, relative in HOLISTIC_MODELS.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_bytes(mediapipe_model_path(name).read_bytes())
    assert mediapipe_model_path("face_landmark", tmp_path) == tmp_path / HOLISTIC_MODELS["face_landmark"]
    crops = torch.from_numpy(engine_reference.model_inputs("hand_recrop"))
    with torch.inference_mode():
        from_folder = Models("cpu", models_dir=tmp_path).hand_recrop(crops)[0]
        from_wheel = load_model(mediapipe_model_path("hand_recrop"))(crops)[0]
    assert torch.equal(from_folder, from_wheel)
    (tmp_path / HOLISTIC_MODELS["face_landmark"]).unlink()
    with pytest.raises(FileNotFoundError, match=f"not in the models folder {tmp_path}"):
        Models("cpu", models_dir=tmp_path)
