"""Run MediaPipe's float .tflite models as PyTorch modules, with any batch size and without TensorFlow.

`load_model(path)` parses the flatbuffer with the pure-Python `tflite` package and returns a module whose
forward takes float32 NHWC batches [B, H, W, C] and returns the subgraph's outputs in their order, as TFLite
shapes them with B in place of the batch dimension 1. It covers the operators of MediaPipe Holistic's six
models (`HOLISTIC_MODELS`); anything else raises NotImplementedError at load time.

Inside, 4-D activations are NCHW tensors in channels_last memory (which is NHWC, so the input and 4-D outputs
are permuted views, not copies); ops that reshape or index by axis convert to TFLite's NHWC semantics.
"""

import collections
from pathlib import Path

import numpy as np
import tflite
import torch
import torch.nn.functional as F
from tflite.ActivationFunctionType import ActivationFunctionType as Act
from tflite.DimensionType import DimensionType
from tflite.Padding import Padding
from tflite.SparseIndexVector import SparseIndexVector
from tflite.TensorType import TensorType
from torch import nn

from ..holistic import mediapipe_package

# The models `mp.solutions.holistic` (model_complexity=1) runs, as paths inside the installed mediapipe package.
HOLISTIC_MODELS = {
    "pose_detection": "modules/pose_detection/pose_detection.tflite",
    "pose_landmark_full": "modules/pose_landmark/pose_landmark_full.tflite",
    "hand_recrop": "modules/holistic_landmark/hand_recrop.tflite",
    "hand_landmark_full": "modules/hand_landmark/hand_landmark_full.tflite",
    "face_detection_short_range": "modules/face_detection/face_detection_short_range.tflite",
    "face_landmark": "modules/face_landmark/face_landmark.tflite",
}

_NUMPY_TYPES = {TensorType.FLOAT32: np.float32, TensorType.FLOAT16: np.float16, TensorType.INT32: np.int32}
_INDEX_VECTORS = {
    SparseIndexVector.Int32Vector: tflite.Int32Vector,
    SparseIndexVector.Uint16Vector: tflite.Uint16Vector,
    SparseIndexVector.Uint8Vector: tflite.Uint8Vector,
}
# A TFLite NHWC axis -> the axis of the NCHW tensor that holds it.
_NCHW_AXIS = (0, 2, 3, 1)


def mediapipe_model_path(name: str, models_dir: str | Path | None = None) -> Path:
    """Path of one of HOLISTIC_MODELS in models_dir, a folder laid out as the mediapipe package (its `modules/`
    tree), by default the installed mediapipe wheel (found without importing mediapipe)."""
    package = mediapipe_package() if models_dir is None else Path(models_dir)
    if package is None:
        raise FileNotFoundError("mediapipe is not installed: install it, or give the folder of its modules/ tree")
    path = package / HOLISTIC_MODELS[name]
    if not path.is_file():
        where = "the installed mediapipe wheel" if models_dir is None else f"the models folder {models_dir}"
        raise FileNotFoundError(f"{path} is not in {where}")
    return path


def load_model(path: str | Path) -> nn.Module:
    """The .tflite model at `path` as an eval-mode TFLiteModule on the CPU (move it with .to(device))."""
    model = tflite.Model.GetRootAsModel(Path(path).read_bytes(), 0)
    if model.SubgraphsLength() != 1:
        raise NotImplementedError(f"{path}: {model.SubgraphsLength()} subgraphs (control flow is not supported)")
    return TFLiteModule(model, model.Subgraphs(0)).eval()


def to_tflite_layout(x: torch.Tensor) -> torch.Tensor:
    return x.permute(0, 2, 3, 1) if x.dim() == 4 else x


def from_tflite_layout(x: torch.Tensor) -> torch.Tensor:
    return x.permute(0, 3, 1, 2) if x.dim() == 4 else x


def _torch_axis(axis: int, rank: int) -> int:
    axis %= rank
    return _NCHW_AXIS[axis] if rank == 4 else axis


def _activate(x: torch.Tensor, act: int) -> torch.Tensor:
    """A fused activation, in place on a fresh op output."""
    if act == Act.NONE:
        return x
    if act == Act.RELU:
        return x.relu_()
    if act == Act.RELU6:
        return x.clamp_(0.0, 6.0)
    if act == Act.RELU_N1_TO_1:
        return x.clamp_(-1.0, 1.0)
    if act == Act.TANH:
        return x.tanh_()
    raise NotImplementedError(f"fused activation {act}")


def _same_padding(size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """TF SAME padding (before, after) of one spatial dim: the odd pixel goes after, unlike torch's symmetric pad."""
    out = -(-size // stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def _options(op, options_class):
    table = op.BuiltinOptions()
    options = options_class()
    options.Init(table.Bytes, table.Pos)
    return options


def _densify(values: np.ndarray, shape: list[int], sparsity) -> np.ndarray:
    """Decode a sparse constant (TFLite sparsity metadata, as the DENSIFY kernel does) to a dense array.

    Walks the levels in traversal order, keeping for every element reached so far its coordinates and its
    position in the next level: a dense level of size n expands position p to p*n + i, a CSR level expands it
    to segments[p] .. segments[p+1] with coordinates indices[...]. After the last level, positions index values.
    """
    if sparsity.BlockMapLength():
        raise NotImplementedError("block-sparse constants")
    order = sparsity.TraversalOrderAsNumpy()
    coords = np.zeros((1, 0), np.int64)
    pos = np.zeros(1, np.int64)
    for level in range(sparsity.DimMetadataLength()):
        meta = sparsity.DimMetadata(level)
        if meta.Format() == DimensionType.DENSE:
            size = meta.DenseSize()
            parent = np.repeat(np.arange(len(pos)), size)
            index = np.tile(np.arange(size), len(pos))
            pos = pos[parent] * size + index
        else:
            segments = _index_vector(meta.ArraySegmentsType(), meta.ArraySegments())
            indices = _index_vector(meta.ArrayIndicesType(), meta.ArrayIndices())
            counts = segments[pos + 1] - segments[pos]
            parent = np.repeat(np.arange(len(pos)), counts)
            rank_in_segment = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
            pos = segments[pos][parent] + rank_in_segment
            index = indices[pos]
        coords = np.concatenate([coords[parent], index[:, None]], axis=1)
    dense = np.zeros(shape, values.dtype)
    dense[tuple(coords[:, np.argsort(order)].T)] = values[pos]
    return dense


def _index_vector(kind: int, table) -> np.ndarray:
    vector = _INDEX_VECTORS[kind]()
    vector.Init(table.Bytes, table.Pos)
    return vector.ValuesAsNumpy().astype(np.int64)


class TFLiteModule(nn.Module):
    """One TFLite subgraph as a sequence of torch ops; constants are buffers, so .to(device) moves them."""

    def __init__(self, model, graph):
        super().__init__()
        self.graph_inputs = [graph.Inputs(i) for i in range(graph.InputsLength())]
        self.graph_outputs = [graph.Outputs(i) for i in range(graph.OutputsLength())]
        tensors = [graph.Tensors(i) for i in range(graph.TensorsLength())]
        shapes = [[t.Shape(k) for k in range(t.ShapeLength())] for t in tensors]
        self.input_shapes = [shapes[t] for t in self.graph_inputs]
        consts = {}
        for index, tensor in enumerate(tensors):
            data = model.Buffers(tensor.Buffer()).DataAsNumpy()
            if not isinstance(data, np.ndarray) or not data.size:
                continue  # an activation (or an empty buffer)
            if tensor.Type() not in _NUMPY_TYPES:
                raise NotImplementedError(f"constant of TensorType {tensor.Type()}")
            values = np.frombuffer(data.tobytes(), _NUMPY_TYPES[tensor.Type()])
            sparsity = tensor.Sparsity()
            consts[index] = _densify(values, shapes[index], sparsity) if sparsity else values.reshape(shapes[index])
        operators = []
        for i in range(graph.OperatorsLength()):
            op = graph.Operators(i)
            code = model.OperatorCodes(op.OpcodeIndex())
            name = tflite.opcode2name(max(code.BuiltinCode(), code.DeprecatedBuiltinCode()))
            (output,) = [op.Outputs(k) for k in range(op.OutputsLength())]
            operators.append((name, op, [op.Inputs(k) for k in range(op.InputsLength())], output))
        readers = collections.defaultdict(list)
        for name, _, inputs, _ in operators:
            for position, t in enumerate(inputs):
                readers[t].append((name, position))
        self.ops = nn.ModuleList()
        self.op_inputs, self.op_outputs = [], []
        folded_pads = {}  # PAD output -> (PAD input, spatial paddings), for the convolution that reads it
        for name, op, inputs, output in operators:
            # Weights stored sparse (decoded above) and fp16: fold them into fp32 constants (fp16 -> fp32 is exact).
            if name == "DENSIFY" and inputs[0] in consts:
                consts[output] = consts[inputs[0]]
                continue
            if name == "DEQUANTIZE" and inputs[0] in consts and consts[inputs[0]].dtype == np.float16:
                consts[output] = consts[inputs[0]].astype(np.float32)
                continue
            # A spatial PAD read only by a convolution becomes that convolution's padding: no padded copy.
            if name == "PAD" and inputs[1] in consts and output not in self.graph_outputs:
                paddings = consts[inputs[1]].tolist()
                spatial_only = paddings[0] == paddings[3] == [0, 0]
                if spatial_only and readers[output] in ([("CONV_2D", 0)], [("DEPTHWISE_CONV_2D", 0)]):
                    folded_pads[output] = (inputs[0], paddings[1:3])
                    continue
            if name not in _BUILDERS:
                raise NotImplementedError(f"operator {name}")
            options = {}
            if inputs[0] in folded_pads:
                source, options["input_pad"] = folded_pads[inputs[0]]
            self.ops.append(_BUILDERS[name](op, inputs, output, consts, shapes, **options))
            if options:
                inputs = [source, *inputs[1:]]
            self.op_inputs.append([t for t in inputs if t >= 0 and t not in consts])
            self.op_outputs.append(output)
        # Drop each intermediate after its last use so that large batches keep memory low.
        last_use = {t: step for step, ts in enumerate(self.op_inputs) for t in ts}
        self.release = [[] for _ in self.ops]
        for t, step in last_use.items():
            if t not in self.graph_outputs:
                self.release[step].append(t)

    def forward(self, *inputs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        values = {}
        for t, x, shape in zip(self.graph_inputs, inputs, self.input_shapes, strict=True):
            if x.dim() != len(shape) or list(x.shape[1:]) != shape[1:] or x.dtype != torch.float32:
                raise ValueError(f"expected float32 [B, {', '.join(map(str, shape[1:]))}], got {x.dtype} {x.shape}")
            values[t] = from_tflite_layout(x)
        for op, ins, out, release in zip(self.ops, self.op_inputs, self.op_outputs, self.release, strict=True):
            values[out] = op(*(values[t] for t in ins))
            for t in release:
                del values[t]
        return tuple(to_tflite_layout(values[t]) for t in self.graph_outputs)


def _tensor(array: np.ndarray | None) -> torch.Tensor | None:
    return None if array is None else torch.from_numpy(np.array(array, np.float32))  # a writable copy


def _bias(inputs: list[int], consts: dict) -> np.ndarray | None:
    return consts[inputs[2]] if len(inputs) > 2 and inputs[2] >= 0 else None


class _Conv(nn.Module):
    """CONV_2D and DEPTHWISE_CONV_2D (weights [O, KH, KW, I] and [1, KH, KW, C*M]), after a folded PAD if any."""

    def __init__(self, op, inputs, output, consts, shapes, depthwise: bool, input_pad=((0, 0), (0, 0))):
        super().__init__()
        opts = _options(op, tflite.DepthwiseConv2DOptions if depthwise else tflite.Conv2DOptions)
        weight = consts[inputs[1]].transpose(3, 0, 1, 2) if depthwise else consts[inputs[1]].transpose(0, 3, 1, 2)
        self.register_buffer("weight", _tensor(weight).contiguous(memory_format=torch.channels_last))
        self.register_buffer("bias", _tensor(_bias(inputs, consts)))
        _, height, width, channels = shapes[inputs[0]]
        self.groups = channels if depthwise else 1
        self.stride = (opts.StrideH(), opts.StrideW())
        self.dilation = (opts.DilationHFactor(), opts.DilationWFactor())
        self.act = opts.FusedActivationFunction()
        kernel_h, kernel_w = weight.shape[2:]
        pad_h, pad_w = input_pad
        if opts.Padding() == Padding.SAME:
            same_h = _same_padding(height, kernel_h, self.stride[0], self.dilation[0])
            same_w = _same_padding(width, kernel_w, self.stride[1], self.dilation[1])
            pad_h, pad_w = np.add(pad_h, same_h).tolist(), np.add(pad_w, same_w).tolist()
        # Symmetric padding goes into the convolution; asymmetric padding needs an explicit F.pad first.
        self.symmetric = pad_h[0] == pad_h[1] and pad_w[0] == pad_w[1]
        self.padding = (pad_h[0], pad_w[0]) if self.symmetric else (0, 0)
        self.pre_pad = (0, 0, 0, 0) if self.symmetric else (*pad_w, *pad_h)

    def forward(self, x):
        if not self.symmetric:
            x = F.pad(x, self.pre_pad)
        if x.device.type == "cpu" and torch.backends.mkldnn.is_available():
            # Always oneDNN: F.conv2d picks torch's own kernel for some shapes at batch 1 or on one thread (1x1,
            # small 3x3), whose sums round differently, so a crop's output would depend on its call's size.
            y = torch.ops.aten.mkldnn_convolution(
                x, self.weight, self.bias, self.padding, self.stride, self.dilation, self.groups
            )
        else:
            y = F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
        return _activate(y, self.act)


class _MaxPool(nn.Module):
    def __init__(self, op, inputs, output, consts, shapes):
        super().__init__()
        opts = _options(op, tflite.Pool2DOptions)
        self.kernel = (opts.FilterHeight(), opts.FilterWidth())
        self.stride = (opts.StrideH(), opts.StrideW())
        self.act = opts.FusedActivationFunction()
        _, height, width, _ = shapes[inputs[0]]
        self.pad = (0, 0, 0, 0)
        if opts.Padding() == Padding.SAME:
            pad_h = _same_padding(height, self.kernel[0], self.stride[0], 1)
            pad_w = _same_padding(width, self.kernel[1], self.stride[1], 1)
            self.pad = (*pad_w, *pad_h)

    def forward(self, x):
        if any(self.pad):
            x = F.pad(x, self.pad, value=float("-inf"))  # TF's SAME max pool ignores padded cells
        return _activate(F.max_pool2d(x, self.kernel, self.stride), self.act)


class _Add(nn.Module):
    def __init__(self, op, inputs, output, consts, shapes):
        super().__init__()
        if any(t in consts for t in inputs) or shapes[inputs[0]] != shapes[inputs[1]]:
            raise NotImplementedError("ADD with a constant operand or broadcasting")
        self.act = _options(op, tflite.AddOptions).FusedActivationFunction()

    def forward(self, a, b):
        return _activate(a + b, self.act)


class _Concatenation(nn.Module):
    def __init__(self, op, inputs, output, consts, shapes):
        super().__init__()
        if any(t in consts for t in inputs):
            raise NotImplementedError("CONCATENATION with a constant operand")
        opts = _options(op, tflite.ConcatenationOptions)
        self.dim = _torch_axis(opts.Axis(), len(shapes[output]))
        self.act = opts.FusedActivationFunction()

    def forward(self, *xs):
        return _activate(torch.cat(xs, self.dim), self.act)


class _Reshape(nn.Module):
    """RESHAPE to the output's static shape, NHWC order, with the batch taken from the input."""

    def __init__(self, op, inputs, output, consts, shapes):
        super().__init__()
        if shapes[output][0] != 1:
            raise NotImplementedError(f"RESHAPE to {shapes[output]} does not keep the batch dimension first")
        self.shape = shapes[output][1:]

    def forward(self, x):
        return from_tflite_layout(to_tflite_layout(x).reshape(x.shape[0], *self.shape))


class _Pad(nn.Module):
    def __init__(self, op, inputs, output, consts, shapes):
        super().__init__()
        paddings = consts[inputs[1]].tolist()
        if paddings[0] != [0, 0]:
            raise NotImplementedError("PAD on the batch dimension")
        rank = len(paddings)
        by_torch_axis = {_torch_axis(axis, rank): pad for axis, pad in enumerate(paddings)}
        # F.pad lists the last dimension first.
        self.pad = tuple(p for axis in reversed(range(1, rank)) for p in by_torch_axis[axis])

    def forward(self, x):
        return F.pad(x, self.pad)


class _Mean(nn.Module):
    def __init__(self, op, inputs, output, consts, shapes):
        super().__init__()
        self.axes = [int(a) % len(shapes[inputs[0]]) for a in consts[inputs[1]].ravel()]
        self.keep_dims = _options(op, tflite.ReducerOptions).KeepDims()
        if 0 in self.axes:
            raise NotImplementedError("MEAN over the batch dimension")

    def forward(self, x):
        if self.keep_dims:
            return x.mean([_torch_axis(a, x.dim()) for a in self.axes], keepdim=True)
        return to_tflite_layout(x).mean(self.axes)


class _FullyConnected(nn.Module):
    def __init__(self, op, inputs, output, consts, shapes):
        super().__init__()
        opts = _options(op, tflite.FullyConnectedOptions)
        if opts.WeightsFormat() != 0 or opts.KeepNumDims():
            raise NotImplementedError("FULLY_CONNECTED with shuffled weights or keep_num_dims")
        self.register_buffer("weight", _tensor(consts[inputs[1]]))
        self.register_buffer("bias", _tensor(_bias(inputs, consts)))
        self.act = opts.FusedActivationFunction()

    def forward(self, x):
        x = to_tflite_layout(x).reshape(-1, self.weight.shape[1])  # TFLite flattens in NHWC order
        return _activate(F.linear(x, self.weight, self.bias), self.act)


class _StridedSlice(nn.Module):
    def __init__(self, op, inputs, output, consts, shapes):
        super().__init__()
        opts = _options(op, tflite.StridedSliceOptions)
        if opts.EllipsisMask() or opts.NewAxisMask() or opts.ShrinkAxisMask() or opts.Offset():
            raise NotImplementedError("STRIDED_SLICE with ellipsis, new-axis, shrink or offset")
        begin, end, strides = (consts[t].tolist() for t in inputs[1:4])
        rank = len(begin)
        slices = [slice(None)] * rank
        for axis in range(rank):
            start = None if opts.BeginMask() >> axis & 1 else begin[axis]
            stop = None if opts.EndMask() >> axis & 1 else end[axis]
            if axis == 0:
                # The model was exported with batch 1; a slice covering it must cover any batch.
                if start not in (None, 0) or strides[0] != 1 or (stop is not None and stop < 1):
                    raise NotImplementedError("STRIDED_SLICE within the batch dimension")
                continue
            slices[_torch_axis(axis, rank)] = slice(start, stop, strides[axis])
        self.slices = tuple(slices)

    def forward(self, x):
        return x[self.slices]


class _DepthToSpace(nn.Module):
    def __init__(self, op, inputs, output, consts, shapes):
        super().__init__()
        self.block = _options(op, tflite.DepthToSpaceOptions).BlockSize()

    def forward(self, x):
        # TF's DCR order: channel (i*block + j)*C + c goes to pixel offset (i, j). pixel_shuffle is CRD.
        batch, channels, height, width = x.shape
        b = self.block
        x = x.reshape(batch, b, b, channels // (b * b), height, width).permute(0, 3, 4, 1, 5, 2)
        return x.reshape(batch, channels // (b * b), height * b, width * b).contiguous(
            memory_format=torch.channels_last
        )


class _ResizeBilinear(nn.Module):
    def __init__(self, op, inputs, output, consts, shapes):
        super().__init__()
        opts = _options(op, tflite.ResizeBilinearOptions)
        self.align_corners = opts.AlignCorners()
        if not (self.align_corners or opts.HalfPixelCenters()):
            raise NotImplementedError("RESIZE_BILINEAR in TF's legacy mode (neither align_corners nor half-pixel)")
        self.size = tuple(shapes[output][1:3])

    def forward(self, x):
        # half_pixel_centers is torch's align_corners=False, clamping at the border included.
        return F.interpolate(x, size=self.size, mode="bilinear", align_corners=self.align_corners)


class _PRelu(nn.Module):
    def __init__(self, op, inputs, output, consts, shapes):
        super().__init__()
        alpha = consts[inputs[1]]
        if len(shapes[inputs[0]]) != 4 or alpha.size != shapes[inputs[0]][-1]:
            raise NotImplementedError(f"PRELU with alpha {alpha.shape} (only per-channel)")
        self.register_buffer("alpha", _tensor(alpha.ravel()))

    def forward(self, x):
        return F.prelu(x, self.alpha)


class _Unary(nn.Module):
    """RELU and LOGISTIC (not in place: other ops may read the input)."""

    def __init__(self, op, inputs, output, consts, shapes, function):
        super().__init__()
        self.function = function

    def forward(self, x):
        return self.function(x)


_BUILDERS = {
    "CONV_2D": lambda *a, **k: _Conv(*a, depthwise=False, **k),
    "DEPTHWISE_CONV_2D": lambda *a, **k: _Conv(*a, depthwise=True, **k),
    "MAX_POOL_2D": _MaxPool,
    "ADD": _Add,
    "CONCATENATION": _Concatenation,
    "RESHAPE": _Reshape,
    "PAD": _Pad,
    "MEAN": _Mean,
    "FULLY_CONNECTED": _FullyConnected,
    "STRIDED_SLICE": _StridedSlice,
    "DEPTH_TO_SPACE": _DepthToSpace,
    "RESIZE_BILINEAR": _ResizeBilinear,
    "PRELU": _PRelu,
    "RELU": lambda *a: _Unary(*a, function=F.relu),
    "LOGISTIC": lambda *a: _Unary(*a, function=torch.sigmoid),
}
