#!/usr/bin/env python3
"""Developer-run: converts Google Coral's quantized ImageNet classifiers (TFLite, google-coral/test_data,
Apache-2.0) into the ONNX files bundled in models/, and checks them.

    /usr/bin/python3 scripts/models/convertCoral.py --tflite DIR [--check PHOTO …]

The TFLite flatbuffer is read here from the schema's field order (tensorflow/lite/schema/schema.fbs), no TFLite
runtime. The ONNX graph (opset 13, NCHW, dynamic batch) keeps every integer weight as it is, behind a
DequantizeLinear (weights-only QDQ: int weights + scale + zero point, so the file stays the TFLite's size);
activations are float. Its output is the pre-softmax logits [N, 1001] (logit 0 = background), its input the real
values the TFLite's uint8 input quantization stands for, so the preprocessing metadata is exact:
x = (p/255 - zp/255) / (1/(255·scale)). --check PHOTOS… runs the TFLite's integer pipeline (int32 accumulation,
requantization, clamping to the fused activation's range; written here from TFLite's quantization spec) and
the ONNX graph (evaluated node by node in torch, float32) on the photos and writes both models' top-1, scores and
their agreement to models/imagenet-models.json."""
import argparse
import json
import os
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))

# ---------------------------------------------------------------- flatbuffer reading (schema.fbs field order)


class Table:
    """A flatbuffer table: a vtable of field offsets, fields addressed by their slot (declaration order)."""

    def __init__(self, buf, pos):
        self.buf, self.pos = buf, pos
        self.vt = pos - struct.unpack_from('<i', buf, pos)[0]
        self.vt_len = struct.unpack_from('<H', buf, self.vt)[0]

    def _field(self, slot):
        o = 4 + 2 * slot
        return struct.unpack_from('<H', self.buf, self.vt + o)[0] if o < self.vt_len else 0

    def scalar(self, slot, fmt, default=0):
        o = self._field(slot)
        return struct.unpack_from('<' + fmt, self.buf, self.pos + o)[0] if o else default

    def _indirect(self, slot):
        o = self._field(slot)
        if not o:
            return None
        p = self.pos + o
        return p + struct.unpack_from('<I', self.buf, p)[0]

    def table(self, slot):
        p = self._indirect(slot)
        return None if p is None else Table(self.buf, p)

    def vector(self, slot, dtype):
        p = self._indirect(slot)
        if p is None:
            return np.zeros(0, dtype)
        n = struct.unpack_from('<I', self.buf, p)[0]
        return np.frombuffer(self.buf, dtype, n, p + 4)

    def tables(self, slot):
        p = self._indirect(slot)
        if p is None:
            return []
        n = struct.unpack_from('<I', self.buf, p)[0]
        return [Table(self.buf, e + struct.unpack_from('<I', self.buf, e)[0]) for e in (p + 4 + 4 * i for i in range(n))]

    def string(self, slot):
        b = self.vector(slot, np.uint8)
        return bytes(b).decode('utf8')


# enum BuiltinOperator (the ones these classifiers use)
OPS = {0: 'ADD', 1: 'AVERAGE_POOL_2D', 3: 'CONV_2D', 4: 'DEPTHWISE_CONV_2D', 6: 'DEQUANTIZE', 9: 'FULLY_CONNECTED', 22: 'RESHAPE',
       25: 'SOFTMAX', 40: 'MEAN', 43: 'SQUEEZE', 114: 'QUANTIZE'}
# enum TensorType
TYPES = {0: np.float32, 2: np.int32, 3: np.uint8, 9: np.int8, 7: np.int16, 4: np.int64}
# enum ActivationFunctionType
ACT_NONE, ACT_RELU, ACT_RELU6 = 0, 1, 3


def read_tflite(path):
    buf = open(path, 'rb').read()
    model = Table(buf, struct.unpack_from('<I', buf, 0)[0])
    codes = []
    for oc in model.tables(1):  # OperatorCode {deprecated_builtin_code:byte; custom_code; version; builtin_code:int}
        codes.append(max(oc.scalar(0, 'b'), oc.scalar(3, 'i')))
    buffers = [b.vector(0, np.uint8) for b in model.tables(4)]  # Buffer {data:[ubyte]}
    (sub,) = model.tables(2)  # SubGraph {tensors, inputs, outputs, operators, name}
    tensors = []
    for t in sub.tables(0):  # Tensor {shape, type, buffer, name, quantization, ...}
        q = t.table(4)  # QuantizationParameters {min, max, scale, zero_point:[long], details_type, details, quantized_dimension}
        dtype = TYPES[t.scalar(1, 'b')]
        data = buffers[t.scalar(2, 'I')]
        tensors.append({
            'shape': [int(d) for d in t.vector(0, np.int32)],
            'dtype': dtype,
            'name': t.string(3),
            'data': data.view(dtype).reshape([int(d) for d in t.vector(0, np.int32)]) if len(data) else None,
            'scale': q.vector(2, np.float32).copy() if q else np.zeros(0, np.float32),
            'zero_point': q.vector(3, np.int64).copy() if q else np.zeros(0, np.int64),
            'axis': q.scalar(6, 'i') if q else 0,
        })
    ops = []
    for o in sub.tables(3):  # Operator {opcode_index, inputs, outputs, builtin_options_type, builtin_options, ...}
        code = codes[o.scalar(0, 'I')]
        if code not in OPS:
            sys.exit(f'{path}: TFLite builtin operator {code} is not supported by this converter')
        ops.append({'op': OPS[code], 'inputs': [int(i) for i in o.vector(1, np.int32)], 'outputs': [int(i) for i in o.vector(2, np.int32)], 'options': o.table(4)})
    return tensors, ops, [int(i) for i in sub.vector(1, np.int32)], [int(i) for i in sub.vector(2, np.int32)]


def conv_options(op):
    """Conv2DOptions {padding, stride_w, stride_h, fused_activation_function, dilation_w, dilation_h};
    DepthwiseConv2DOptions {padding, stride_w, stride_h, depth_multiplier, fused_activation_function, dilation_w, dilation_h}."""
    o = op['options']
    dw = op['op'] == 'DEPTHWISE_CONV_2D'
    return {
        'same': o.scalar(0, 'b') == 0,  # enum Padding {SAME, VALID}
        'stride': (o.scalar(2, 'i'), o.scalar(1, 'i')),
        'act': o.scalar(4 if dw else 3, 'b'),
        'dilation': (o.scalar(6 if dw else 5, 'i', 1), o.scalar(5 if dw else 4, 'i', 1)),
    }


def pool_options(op):
    """Pool2DOptions {padding, stride_w, stride_h, filter_width, filter_height, fused_activation_function}."""
    o = op['options']
    return {'same': o.scalar(0, 'b') == 0, 'stride': (o.scalar(2, 'i'), o.scalar(1, 'i')), 'kernel': (o.scalar(4, 'i'), o.scalar(3, 'i')), 'act': o.scalar(5, 'b')}


def act_option(op):
    """AddOptions / FullyConnectedOptions: fused_activation_function is field 0."""
    return op['options'].scalar(0, 'b') if op['options'] else ACT_NONE


def same_pads(size, kernel, stride, dilation):
    """TFLite SAME padding: total = max((out-1)·s + (k-1)·d + 1 - in, 0), the smaller half before."""
    out = -(-size // stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


# ---------------------------------------------------------------- ONNX graph


class Graph:
    def __init__(self, tensors):
        self.t = tensors
        self.nodes, self.inits, self.names = [], [], {}
        self.used = set()

    def layer_name(self, tflite_name):
        """A short unique name from the TFLite tensor's ('MobilenetV2/Conv_1/Relu6;MobilenetV2/Conv_1/add_fold;…' → 'Conv_1_Relu6')."""
        base = tflite_name.split(';')[0].split('/', 1)[-1].replace('/', '_')
        name, k = base, 1
        while name in self.used:
            k += 1
            name = f'{base}_{k}'
        self.used.add(name)
        return name

    def const(self, name, array):
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def dequantized(self, index, layout):
        """A constant tensor kept as its integers behind DequantizeLinear (per tensor or along its quantized axis)."""
        t = self.t[index]
        q = np.transpose(t['data'], layout) if layout else t['data']
        base = self.layer_name(t['name'] or f't{index}')
        axis = layout.index(t['axis']) if layout and len(t['scale']) > 1 else 0
        scale = t['scale'] if len(t['scale']) > 1 else t['scale'][0]
        zp = t['zero_point'].astype(t['dtype']) if len(t['scale']) > 1 else t['dtype'](t['zero_point'][0])
        out = base + '_dq'
        attrs = {'axis': axis} if np.ndim(scale) else {}
        self.nodes.append(helper.make_node('DequantizeLinear', [self.const(base + '_q', q), self.const(base + '_scale', np.asarray(scale, np.float32)),
                                                                self.const(base + '_zp', np.asarray(zp))], [out], name=base + '_dequantize', **attrs))
        return out

    def activation(self, x, act, name):
        if act == ACT_NONE:
            return x
        out = name + ('_relu6' if act == ACT_RELU6 else '_relu')
        if act == ACT_RELU:
            self.nodes.append(helper.make_node('Relu', [x], [out], name=out))
        elif act == ACT_RELU6:
            self.nodes.append(helper.make_node('Clip', [x, self.const(out + '_min', np.float32(0)), self.const(out + '_max', np.float32(6))], [out], name=out))
        else:
            sys.exit(f'fused activation {act} is not supported')
        return out


def to_onnx(tensors, ops, inputs, outputs, title):
    g = Graph(tensors)
    (inp,) = inputs
    _, h, w, c = tensors[inp]['shape']
    g.names[inp] = 'input'
    logits = None
    for op in ops:
        kind, ins, (out,) = op['op'], op['inputs'], op['outputs']
        x = g.names.get(ins[0])
        name = g.layer_name(tensors[out]['name'])
        if kind in ('QUANTIZE', 'DEQUANTIZE'):
            g.names[out] = x
        elif kind in ('CONV_2D', 'DEPTHWISE_CONV_2D'):
            o = conv_options(op)
            dw = kind == 'DEPTHWISE_CONV_2D'
            W = g.dequantized(ins[1], (3, 0, 1, 2) if dw else (0, 3, 1, 2))
            B = g.dequantized(ins[2], None)
            kh, kw = tensors[ins[1]]['shape'][1:3]
            ih, iw = tensors[ins[0]]['shape'][1:3]
            pads = [0, 0, 0, 0]
            if o['same']:
                (pt, pb), (pl, pr) = same_pads(ih, kh, o['stride'][0], o['dilation'][0]), same_pads(iw, kw, o['stride'][1], o['dilation'][1])
                pads = [pt, pl, pb, pr]
            conv = name + '_conv'
            g.nodes.append(helper.make_node('Conv', [x, W, B], [conv], name=conv, kernel_shape=[kh, kw], strides=list(o['stride']), dilations=list(o['dilation']), pads=pads,
                                            group=tensors[ins[0]]['shape'][3] if dw else 1))
            g.names[out] = g.activation(conv, o['act'], name)
        elif kind == 'ADD':
            add = name + '_add'
            g.nodes.append(helper.make_node('Add', [x, g.names[ins[1]]], [add], name=add))
            g.names[out] = g.activation(add, act_option(op), name)
        elif kind in ('AVERAGE_POOL_2D', 'MEAN'):
            ih, iw = tensors[ins[0]]['shape'][1:3]
            global_pool = kind == 'MEAN' or (pool_options(op)['kernel'] == (ih, iw) and not pool_options(op)['same'])
            if not global_pool:
                sys.exit(f'{title}: only global average pooling is supported ({name})')
            pool = name + '_gap'
            g.nodes.append(helper.make_node('GlobalAveragePool', [x], [pool], name=pool))
            g.names[out] = pool
            if kind == 'MEAN' and len(tensors[out]['shape']) == 2:
                g.nodes.append(helper.make_node('Flatten', [pool], [pool + '_flat'], name=pool + '_flat', axis=1))
                g.names[out] = pool + '_flat'
        elif kind in ('RESHAPE', 'SQUEEZE'):
            shape = tensors[out]['shape']
            if len(shape) != 2 or int(np.prod(tensors[ins[0]]['shape'][1:])) != shape[1]:
                sys.exit(f'{title}: only reshapes to [N, C] are supported ({name})')
            flat = name + '_flatten'
            g.nodes.append(helper.make_node('Flatten', [x], [flat], name=flat, axis=1))
            g.names[out] = flat
        elif kind == 'FULLY_CONNECTED':
            fc = name + '_gemm'
            g.nodes.append(helper.make_node('Gemm', [x, g.dequantized(ins[1], None), g.dequantized(ins[2], None)], [fc], name=fc, transB=1))
            g.names[out] = g.activation(fc, act_option(op), name)
        elif kind == 'SOFTMAX':
            logits = x  # the graph ends at the pre-softmax logits, which Grad-CAM differentiates
        else:
            sys.exit(f'{title}: {kind} is not supported')
    if logits is None:
        logits = g.names[outputs[0]]
    g.nodes.append(helper.make_node('Identity', [logits], ['logits'], name='logits'))
    classes = tensors[outputs[0]]['shape'][-1]
    graph = helper.make_graph(g.nodes, title, [helper.make_tensor_value_info('input', TensorProto.FLOAT, ['N', c, h, w])],
                              [helper.make_tensor_value_info('logits', TensorProto.FLOAT, ['N', classes])], g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)], producer_name='camscope scripts/models/convertCoral.py')
    onnx.checker.check_model(model)
    return model, (h, w)


# ---------------------------------------------------------------- the TFLite's integer pipeline, as a check


def run_integer(tensors, ops, inputs, pixels):
    """The quantized model as TFLite computes it: uint8/int8 activations, int32 accumulation, requantization to the
    output's scale (float multiplier, round half away from zero), clamping to the fused activation's range.
    pixels: [N,H,W,3] uint8 (the input's quantized values). Returns dequantized pre-softmax logits."""
    import torch
    import torch.nn.functional as F

    q = {inputs[0]: torch.tensor(pixels.astype(np.float64)).permute(0, 3, 1, 2)}

    def s(i):
        return float(tensors[i]['scale'][0])

    def z(i):
        return float(tensors[i]['zero_point'][0])

    def qrange(i, act):
        info = np.iinfo(tensors[i]['dtype'])
        lo, hi = info.min, info.max
        if act in (ACT_RELU, ACT_RELU6):
            lo = max(lo, z(i))
        if act == ACT_RELU6:
            hi = min(hi, z(i) + round(6 / s(i)))
        return lo, hi

    def requant(acc_real, i, act):
        v = torch.sign(acc_real / s(i)) * torch.floor(torch.abs(acc_real / s(i)) + 0.5) + z(i)
        return torch.clamp(v, *qrange(i, act))

    logits = None
    for op in ops:
        kind, ins, (out,) = op['op'], op['inputs'], op['outputs']
        if kind in ('QUANTIZE', 'DEQUANTIZE'):
            q[out] = q[ins[0]]
        elif kind in ('CONV_2D', 'DEPTHWISE_CONV_2D'):
            o = conv_options(op)
            dw = kind == 'DEPTHWISE_CONV_2D'
            wt = tensors[ins[1]]
            w = torch.tensor(np.transpose(wt['data'], (3, 0, 1, 2) if dw else (0, 3, 1, 2)).astype(np.float64))
            wz = torch.tensor(wt['zero_point'].astype(np.float64)).reshape(-1, 1, 1, 1)
            ws = torch.tensor(wt['scale'].astype(np.float64))
            x = q[ins[0]] - z(ins[0])
            kh, kw = w.shape[2:]
            if o['same']:
                (pt, pb), (pl, pr) = same_pads(x.shape[2], kh, o['stride'][0], o['dilation'][0]), same_pads(x.shape[3], kw, o['stride'][1], o['dilation'][1])
                x = F.pad(x, (pl, pr, pt, pb))  # zero in real terms: the input's zero point was subtracted
            acc = F.conv2d(x, w - wz, torch.tensor(tensors[ins[2]]['data'].astype(np.float64)), stride=o['stride'], dilation=o['dilation'], groups=x.shape[1] if dw else 1)
            # accumulator scale: input scale × weight scale (per output channel when per-axis)
            q[out] = requant(acc * (s(ins[0]) * ws).reshape(1, -1, 1, 1), out, o['act'])
        elif kind == 'ADD':
            real = s(ins[0]) * (q[ins[0]] - z(ins[0])) + s(ins[1]) * (q[ins[1]] - z(ins[1]))
            q[out] = requant(real, out, act_option(op))
        elif kind in ('AVERAGE_POOL_2D', 'MEAN'):
            real = s(ins[0]) * (q[ins[0]] - z(ins[0])).mean(dim=(2, 3), keepdim=True)
            q[out] = requant(real, out, ACT_NONE)
        elif kind in ('RESHAPE', 'SQUEEZE'):
            q[out] = q[ins[0]].reshape(q[ins[0]].shape[0], -1)
        elif kind == 'FULLY_CONNECTED':
            wt = tensors[ins[1]]
            w = torch.tensor(wt['data'].astype(np.float64)) - torch.tensor(wt['zero_point'].astype(np.float64)).reshape(-1, 1)
            acc = (q[ins[0]] - z(ins[0])) @ w.T + torch.tensor(tensors[ins[2]]['data'].astype(np.float64))
            q[out] = requant(acc * s(ins[0]) * torch.tensor(wt['scale'].astype(np.float64)), out, act_option(op))
        elif kind == 'SOFTMAX':
            logits = s(ins[0]) * (q[ins[0]] - z(ins[0]))
    return logits.numpy()


def run_onnx_float(model, x):
    """The converted ONNX graph evaluated node by node in torch (float32), the way ONNX Runtime runs it."""
    import torch
    import torch.nn.functional as F

    v = {i.name: torch.tensor(numpy_helper.to_array(i)) for i in model.graph.initializer}
    v['input'] = torch.tensor(x)
    for n in model.graph.node:
        a = {at.name: helper.get_attribute_value(at) for at in n.attribute}
        i = [v[k] for k in n.input]
        if n.op_type == 'DequantizeLinear':
            shape = [-1 if d == a.get('axis', 0) else 1 for d in range(i[0].dim())] if i[1].dim() else [1]
            r = (i[0].to(torch.float64) - i[2].to(torch.float64).reshape(shape)) * i[1].to(torch.float64).reshape(shape)
            r = r.float()
        elif n.op_type == 'Conv':
            p = a['pads']
            r = F.conv2d(F.pad(i[0], (p[1], p[3], p[0], p[2])), i[1], i[2], stride=a['strides'], dilation=a['dilations'], groups=a['group'])
        elif n.op_type == 'Clip':
            r = torch.clamp(i[0], float(i[1]), float(i[2]))
        elif n.op_type == 'Relu':
            r = torch.relu(i[0])
        elif n.op_type == 'Add':
            r = i[0] + i[1]
        elif n.op_type == 'GlobalAveragePool':
            r = i[0].mean(dim=(2, 3), keepdim=True)
        elif n.op_type == 'Flatten':
            r = i[0].reshape(i[0].shape[0], -1)
        elif n.op_type == 'Gemm':
            r = i[0] @ i[1].T + i[2]
        elif n.op_type == 'Identity':
            r = i[0]
        else:
            sys.exit(f'no evaluator for {n.op_type}')
        v[n.output[0]] = r
    return v['logits'].numpy()


# ---------------------------------------------------------------- the bundled models

MODELS = [
    # (bundled name, Coral file, title)
    ('mobilenet-v2-imagenet', 'mobilenet_v2_1.0_224_quant.tflite', 'MobileNetV2 1.0 224 (ImageNet, uint8 quantization-aware; Coral test_data)'),
    ('mobilenet-v1-imagenet', 'mobilenet_v1_0.75_192_quant.tflite', 'MobileNetV1 0.75 192 (ImageNet, uint8 quantization-aware; Coral test_data)'),
]


def imagenet_names():
    """ImageNet-1k class names in index order, from torchvision's metadata (no download)."""
    from torchvision.models import MobileNet_V2_Weights
    return list(MobileNet_V2_Weights.IMAGENET1K_V1.meta['categories'])


def load_pixels(path, size):
    """The photo resized as a whole to size with a triangle (bilinear, antialiased) filter, as camscope does with
    sharp's 'linear' kernel."""
    import cv2
    import torch
    import torch.nn.functional as F
    img = cv2.cvtColor(cv2.imread(path, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    t = torch.tensor(img, dtype=torch.float32).permute(2, 0, 1)[None]
    r = F.interpolate(t, size=(size[1], size[0]), mode='bilinear', antialias=True, align_corners=False)
    return r[0].permute(1, 2, 0).round().clamp(0, 255).numpy().astype(np.uint8)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--tflite', required=True, help='folder holding the Coral .tflite files')
    ap.add_argument('--out', default=os.path.join(REPO, 'models'))
    ap.add_argument('--check', nargs='*', help='photos to compare the integer TFLite pipeline and the ONNX graph on')
    args = ap.parse_args()
    names = imagenet_names()
    report = {}
    for bundled, file, title in MODELS:
        tensors, ops, inputs, outputs = read_tflite(os.path.join(args.tflite, file))
        model, (h, w) = to_onnx(tensors, ops, inputs, outputs, title)
        t_in = tensors[inputs[0]]
        scale, zp = float(t_in['scale'][0]), int(t_in['zero_point'][0])
        meta = {
            'camscope.preprocessing': json.dumps({'size': [w, h], 'mean': [zp / 255] * 3, 'std': [1 / (255 * scale)] * 3}),
            'camscope.labels': json.dumps(names),
            'camscope.label_offset': '1',
            'camscope.source': f'{file} from github.com/google-coral/test_data (Apache-2.0), converted by scripts/models/convertCoral.py',
        }
        for k, v in meta.items():
            model.metadata_props.append(onnx.StringStringEntryProto(key=k, value=v))
        path = os.path.join(args.out, bundled + '.onnx')
        onnx.save(model, path)
        entry = {'file': os.path.basename(path), 'source': file, 'title': title, 'bytes': os.path.getsize(path), 'input': [3, h, w],
                 'input_quantization': {'scale': scale, 'zero_point': zp}}
        print(f'{bundled}: {len(ops)} TFLite ops -> {len(model.graph.node)} ONNX nodes, {entry["bytes"] / 1e6:.2f} MB')
        if args.check:
            rows = []
            for photo in args.check:
                pixels = load_pixels(photo, (w, h))[None]
                ref = run_integer(tensors, ops, inputs, pixels)[0]
                x = ((pixels.astype(np.float32) - zp) * scale).transpose(0, 3, 1, 2).copy()
                got = run_onnx_float(model, x)[0]
                pr, pg = np.exp(ref - ref.max()), np.exp(got - got.max())
                pr, pg = pr / pr.sum(), pg / pg.sum()
                top = int(got.argmax())
                rows.append({'photo': os.path.basename(photo), 'top1': names[top - 1] if top else 'background', 'score': round(float(pg[top]), 4),
                             'int8_top1': names[int(ref.argmax()) - 1], 'int8_score': round(float(pr[int(ref.argmax())]), 4),
                             'top1_agrees': bool(top == int(ref.argmax())), 'top5_overlap': len(set(np.argsort(-got)[:5]) & set(np.argsort(-ref)[:5])),
                             'max_prob_diff': round(float(np.abs(pr - pg).max()), 4)})
                print('  ', rows[-1])
            entry['check'] = rows
        report[bundled] = entry
    if args.check:
        json.dump(report, open(os.path.join(args.out, 'imagenet-models.json'), 'w'), indent=1)


if __name__ == '__main__':
    main()
