#!/usr/bin/env python3
"""Trains camscope's three bundled models on the synthetic WSOL benchmark of `camscope synth`.

Run from the repository root (developer tool, not part of `npm test` or `npm start`):

    /usr/bin/python3 scripts/models/trainShapes.py [--only shapes-gap,shapes-fc,shapes-shortcut]
    /usr/bin/python3 scripts/models/trainShapes.py --table   # README's table from models/models.json

Needs Debian's python3-torch 1.13 / python3-onnx, numpy and PIL, and node (it runs
`node bin/camscope.mjs synth`). CPU only, one thread (the machine is shared): about 18 minutes per model
(20 epochs on 80-px crops, 10 on whole images); runs of different models (--only) can go in parallel.

Data (fixed seeds, so a rerun renders byte-identical images): train = seed 1, split train, 4000 images of
`single` (and of `shortcut` for the shortcut model); test = seed 2, split test, 400 images of every scenario,
plus 400 held-out images of the shortcut train distribution (seed 2, split train).

Models (opset 13, input `input` [N,3,128,128], output `logits` [N,8], camscope.* metadata):
  models/shapes-gap.onnx       conv stack -> global average pooling -> linear (CAM, Zhou et al. 2016)
  models/shapes-fc.onnx        conv stack -> flatten -> two fully connected layers (VGG archetype: no CAM)
  models/shapes-shortcut.onnx  the GAP architecture trained on `shortcut` (a corner mark on every hexagon)
shapes-shortcut is meant to learn the shortcut, so its training makes the mark the easier cue. Its crops keep
the mark (copied to the same corner of the crop; plain crops around the object mostly cut it away, so the
model would only see it in the whole-image epochs), and in every batch 10 % of the labels of the seven other
classes are drawn wrong (never as hexagon): the mark predicts hexagon perfectly, the shape only 90 % of the time.
It prints a table (model, scenario, accuracy), writes models/models.json with those numbers (README's
"Bundled models" table comes from it) and models/demo/<class>_<k>.png + boxes.json: for each class the first
image of a `single` test set (seed 3) that shapes-gap classifies correctly.
Training is seeded; a rerun with the same torch build and thread count reproduces the same weights.
"""
import argparse
import json
import math
import os
import shutil
import subprocess
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

SIZE = 128
MEAN, STD = 0.5, 0.25
TRAIN_SEED, TEST_SEED, DEMO_SEED = 1, 2, 3
N_TRAIN, N_TEST, BATCH = 4000, 400, 32
CROP = 80  # crop side: holds the largest `single` object (diameter <= 0.6 x 128 = 77 px)
SCENARIOS = ['single', 'small', 'multi', 'distractor', 'shortcut']
DATA = 'out/synth-data'
SCRIPT = 'scripts/models/trainShapes.py'
SUMMARY = 'models/models.json'


# ---------------------------------------------------------------- data

def synth(out, seed, count, scenario, split):
    if os.path.exists(os.path.join(out, 'synth.json')):
        return  # same arguments, same bytes: the generator is deterministic
    subprocess.run(['node', 'bin/camscope.mjs', 'synth', '--out', out, '--seed', str(seed), '--count', str(count),
                    '--scenario', scenario, '--split', split, '--size', str(SIZE)], check=True)


def load(out, scenario=None):
    """uint8 images N,3,H,W, labels, the first ground-truth box of each image (exclusive x1/y1) and the ids."""
    ids = [l.strip() for l in open(os.path.join(out, 'image_ids.txt')) if l.strip()]
    if scenario:
        ids = [i for i in ids if i.startswith(scenario + '/')]
    labels = dict(l.strip().split(',') for l in open(os.path.join(out, 'class_labels.txt')))
    boxes = {}
    for line in open(os.path.join(out, 'localization.txt')):
        i, x0, y0, x1, y1 = line.strip().split(',')
        boxes.setdefault(i, [int(x0), int(y0), int(x1) + 1, int(y1) + 1])  # inclusive -> exclusive
    x = np.stack([np.asarray(Image.open(os.path.join(out, i)).convert('RGB')) for i in ids])
    return (torch.from_numpy(x).permute(0, 3, 1, 2).contiguous(), torch.tensor([int(labels[i]) for i in ids]),
            torch.tensor([boxes[i] for i in ids]), ids)


def marks(out, ids):
    """The shortcut mark's box of each image as synth.json records it (exclusive x1/y1), [-1] * 4 where none."""
    recorded = {im['id']: im['mark'] for im in json.load(open(os.path.join(out, 'synth.json')))['images']}
    return torch.tensor([recorded[i] or [-1] * 4 for i in ids])


def classes(out):
    return [l.strip() for l in open(os.path.join(out, 'classes.txt')) if l.strip()]


def normalize(x_uint8):
    return (x_uint8.float() / 255 - MEAN) / STD


# ---------------------------------------------------------------- models

def block(cin, cout, stride=1, k=3):
    return [nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class ShapesGap(nn.Module):
    """128 -> 64 (stride-2 conv) -> 32 (max-pool) -> three 3x3 convs and a 1x1 conv at 32x32 -> GAP -> linear:
    CAM on a 96x32x32 map (stride 4, receptive field 29 px)."""

    def __init__(self, n):
        super().__init__()
        self.features = nn.Sequential(*block(3, 24, 2), nn.MaxPool2d(2), *block(24, 32), *block(32, 48), *block(48, 64),
                                      *block(64, 96, k=1))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(96, n)
        self.fc.weight.data.abs_()  # kept >= 0 in training, see train()

    def forward(self, x):
        return self.fc(self.flatten(self.pool(self.features(x))))

    def project(self):
        self.fc.weight.data.clamp_(min=0)


class ShapesFc(nn.Module):
    """The same conv stack as ShapesGap down to 96x32x32, max-pooled to 4x4, flattened, fc 1536 -> 128 -> classes
    (no GAP: no CAM). The adaptive max-pool gives crops the same 4x4 grid, so it trains on crops like ShapesGap;
    at the exported 128x128 input it is a plain 8x8 MaxPool."""

    def __init__(self, n):
        super().__init__()
        self.features = nn.Sequential(*block(3, 24, 2), nn.MaxPool2d(2), *block(24, 32), *block(32, 48), *block(48, 64),
                                      *block(64, 96, k=1))
        self.head = nn.Sequential(nn.AdaptiveMaxPool2d(4), nn.Flatten(), nn.Linear(96 * 4 * 4, 128),
                                  nn.ReLU(inplace=True), nn.Dropout(0.2), nn.Linear(128, n))

    def forward(self, x):
        return self.head(self.features(x))

    def project(self):
        pass


def augment(x, g):
    """Label-preserving augmentation of a uint8 batch: the 8 flips/90-degree rotations, a channel
    permutation and colour inversion (the classes are shapes, whatever their colour)."""
    n = len(x)
    r = lambda: (torch.rand(n, generator=g) < 0.5)[:, None, None, None]
    x = torch.where(r(), x.flip(3), x)
    x = torch.where(r(), x.flip(2), x)
    x = torch.where(r(), x.transpose(2, 3), x)
    x = torch.where(r(), 255 - x, x)
    perm = torch.stack([torch.randperm(3, generator=g) for _ in range(n)])
    return x[torch.arange(n)[:, None], perm]


def crops(x, boxes, g, size, marks=None):
    """A random size x size crop of each image containing its whole box (the box clipped to fit). With marks
    (boxes, x0 < 0 for none), each image's corner mark is copied into the crop at the same distance from the
    crop's corresponding corner, so the crop keeps the mark that it would otherwise mostly cut away."""
    out = []
    for k, (img, (x0, y0, x1, y1)) in enumerate(zip(x, boxes.tolist())):
        lo_x, hi_x = max(0, min(x1 - size, SIZE - size)), min(x0, SIZE - size)
        lo_y, hi_y = max(0, min(y1 - size, SIZE - size)), min(y0, SIZE - size)
        cx = int(torch.randint(min(lo_x, hi_x), max(lo_x, hi_x) + 1, (1,), generator=g))
        cy = int(torch.randint(min(lo_y, hi_y), max(lo_y, hi_y) + 1, (1,), generator=g))
        crop = img[:, cy:cy + size, cx:cx + size]
        if marks is not None and marks[k, 0] >= 0:
            mx0, my0, mx1, my1 = marks[k].tolist()
            px = mx0 if mx0 < SIZE // 2 else mx0 - (SIZE - size)
            py = my0 if my0 < SIZE // 2 else my0 - (SIZE - size)
            crop = crop.clone()
            crop[:, py:py + my1 - my0, px:px + mx1 - mx0] = img[:, my0:my1, mx0:mx1]
        out.append(crop)
    return torch.stack(out)


def noisy_labels(y, g, noise, keep, n):
    """y with each label other than `keep` replaced, with probability noise, by a random class that is
    neither the true one nor `keep`."""
    wrong = torch.tensor([[c for c in range(n) if c not in (t, keep)][:n - 2] for t in range(n)])  # row `keep`: unused
    pick = wrong[y, torch.randint(0, wrong.shape[1], (len(y),), generator=g)]
    flip = (torch.rand(len(y), generator=g) < noise) & (y != keep)
    return torch.where(flip, pick, y)


def train(model, x, y, boxes, epochs, seed, lr=2e-3, marks=None, label_noise=0.0, keep=None):
    """Adam, one-cycle schedule. The first epochs run on CROP x CROP crops around
    the object (2.6x cheaper, and the object fills more of the pooled map), the last on whole images so that
    BatchNorm and the classifier see whole-image statistics. CAM models keep their class weights >= 0:
    over ReLU features the CAM is then >= 0 and the background sits at the map's minimum, which the 20 %
    threshold of CAM localization relies on. marks: crops keep each image's corner mark (see crops());
    label_noise: that share of the labels other than class `keep` is drawn wrong afresh in every batch."""
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    steps = sum(epochs) * math.ceil(len(x) / BATCH)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.15)
    for epoch, crop in enumerate([CROP] * epochs[0] + [None] * epochs[1]):
        model.train()
        t, correct, loss_sum = time.time(), 0, 0.0
        for idx in torch.randperm(len(x), generator=g).split(BATCH):
            xb = crops(x[idx], boxes[idx], g, crop, None if marks is None else marks[idx]) if crop else x[idx]
            out = model(normalize(augment(xb, g)))
            target = noisy_labels(y[idx], g, label_noise, keep, out.shape[1]) if label_noise else y[idx]
            loss = F.cross_entropy(out, target)
            opt.zero_grad()
            loss.backward()
            opt.step()
            model.project()
            sched.step()
            loss_sum += loss.item() * len(idx)
            correct += (out.argmax(1) == y[idx]).sum().item()
        print(f'  epoch {epoch + 1}/{sum(epochs)} ({f"{crop}px crops" if crop else "whole images"}): '
              f'loss {loss_sum / len(x):.4f}, train acc {correct / len(x):.3f} ({time.time() - t:.0f} s)', flush=True)


@torch.no_grad()
def predict(model, x):
    model.eval()
    return torch.cat([model(normalize(xb)) for xb in x.split(200)])


# ---------------------------------------------------------------- CAM check (as camscope's wsolBox)

def largest_component_box(mask):
    """Box of the largest 8-connected component of a boolean HxW mask (ties: first in row-major order)."""
    h, w = mask.shape
    seen = np.zeros_like(mask)
    best = (0, None)
    for y0, x0 in zip(*np.nonzero(mask)):
        if seen[y0, x0]:
            continue
        seen[y0, x0] = True
        stack, n, bx = [(y0, x0)], 0, [x0, y0, x0 + 1, y0 + 1]
        while stack:
            y, x = stack.pop()
            n += 1
            bx = [min(bx[0], x), min(bx[1], y), max(bx[2], x + 1), max(bx[3], y + 1)]
            for yy in range(max(y - 1, 0), min(y + 2, h)):
                for xx in range(max(x - 1, 0), min(x + 2, w)):
                    if mask[yy, xx] and not seen[yy, xx]:
                        seen[yy, xx] = True
                        stack.append((yy, xx))
        if n > best[0]:
            best = (n, bx)
    return best[1]


def iou(a, b):
    iw = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


@torch.no_grad()
def cam_iou50(model, x, boxes, n=200):
    """Fraction of images whose CAM box (predicted class, bilinear to SIZE, >= 20 % of the min-max range,
    largest 8-connected component) has IoU >= 0.5 with the true box."""
    model.eval()
    feats = model.features(normalize(x[:n]))
    pred = model.fc(model.flatten(model.pool(feats))).argmax(1)
    cams = torch.einsum('nk,nkhw->nhw', model.fc.weight[pred], feats)
    cams = F.interpolate(cams[:, None], size=(SIZE, SIZE), mode='bilinear', align_corners=False)[:, 0]
    hits = []
    for m, b in zip(cams, boxes[:n].tolist()):
        m = (m - m.min()) / (m.max() - m.min())
        hits.append(iou(largest_component_box((m >= 0.2).numpy()), b) >= 0.5)
    return float(np.mean(hits))


# ---------------------------------------------------------------- export

def export(model, path, names, training):
    model.eval()
    torch.onnx.export(model, torch.zeros(1, 3, SIZE, SIZE), path, opset_version=13, input_names=['input'],
                      output_names=['logits'], dynamic_axes={'input': {0: 'N'}, 'logits': {0: 'N'}},
                      do_constant_folding=True)
    m = onnx.load(path)
    meta = {
        'camscope.preprocessing': json.dumps({'size': [SIZE, SIZE], 'mean': [MEAN] * 3, 'std': [STD] * 3}),
        'camscope.labels': json.dumps(names),
        'camscope.label_offset': '0',
        'camscope.training': json.dumps(training),
    }
    for k, v in meta.items():
        p = m.metadata_props.add()
        p.key, p.value = k, v
    onnx.checker.check_model(m)
    onnx.save(m, path)
    return os.path.getsize(path)


MODELS = {
    # name: (class, training scenario, (crop epochs, whole-image epochs), architecture, shortcut options:
    # crops keep the mark, label noise on the classes the mark does not accompany; see the header)
    'shapes-gap': (ShapesGap, 'single', (20, 10), 'conv stack -> global average pooling -> linear', {}),
    'shapes-fc': (ShapesFc, 'single', (20, 10), 'conv stack -> flatten -> fc -> fc', {}),
    'shapes-shortcut': (ShapesGap, 'shortcut', (20, 10), 'conv stack -> global average pooling -> linear',
                        {'crops_keep_mark': True, 'label_noise': 0.1}),
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--only', default=','.join(MODELS), help='comma-separated model names')
    parser.add_argument('--table', action='store_true', help="print README's table from models/models.json, train nothing")
    args = parser.parse_args()
    if args.table:
        print_table()
        return
    only = args.only.split(',')
    torch.set_num_threads(1)
    t0 = time.time()
    train_dirs = {s: f'{DATA}/train-{s}' for s in ('single', 'shortcut')}
    for s, d in train_dirs.items():
        synth(d, TRAIN_SEED, N_TRAIN, s, 'train')
    synth(f'{DATA}/test', TEST_SEED, N_TEST, 'all', 'test')
    synth(f'{DATA}/heldout-shortcut-train', TEST_SEED, N_TEST, 'shortcut', 'train')
    names = classes(f'{DATA}/test')
    shortcut_class = json.load(open(f'{DATA}/test/synth.json'))['shortcutClass']
    tests = {s: load(f'{DATA}/test', s) for s in SCENARIOS}
    tests['shortcut (train distribution)'] = load(f'{DATA}/heldout-shortcut-train')
    print(f'data ready ({time.time() - t0:.0f} s)', flush=True)

    rows = []
    for name in only:
        cls, scenario, epochs, arch, options = MODELS[name]
        x, y, boxes, ids = load(train_dirs[scenario])
        model = cls(len(names))
        print(f'{name}: {arch}, {sum(p.numel() for p in model.parameters())} parameters, trained on {scenario}'
              + (f' ({options})' if options else ''), flush=True)
        t1 = time.time()
        train(model, x, y, boxes, epochs, seed=TRAIN_SEED,
              marks=marks(train_dirs[scenario], ids) if options.get('crops_keep_mark') else None,
              label_noise=options.get('label_noise', 0.0), keep=names.index(shortcut_class))
        accuracy = {s: round((predict(model, tx).argmax(1) == ty).float().mean().item(), 4) for s, (tx, ty, _, _) in tests.items()}
        print_confusion(model, *tests['single'][:2], names)
        print_shortcut(model, tests['shortcut'], marks(f'{DATA}/test', tests['shortcut'][3]), names, shortcut_class)
        record = {'model': f'models/{name}.onnx', 'architecture': arch, 'train': {'scenario': scenario, 'split': 'train', 'seed': TRAIN_SEED, 'images': N_TRAIN},
                  'test': {'split': 'test', 'seed': TEST_SEED, 'images_per_scenario': N_TEST}, 'epochs': sum(epochs),
                  **options, 'train_seconds': round(time.time() - t1), 'accuracy': accuracy, 'script': SCRIPT}
        if isinstance(model, ShapesGap):
            key = 'shortcut (train distribution)' if scenario == 'shortcut' else 'single'
            record['cam_box_iou50'] = round(cam_iou50(model, tests[key][0], tests[key][2]), 2)
        record['bytes'] = export(model, record['model'], names, record)
        save_summary(record)
        rows += [(name, s, a) for s, a in accuracy.items()]
        print(f'  wrote {record["model"]} ({record["bytes"] / 1024:.0f} KiB), accuracy {accuracy}'
              + (f', CAM box IoU>=0.5 on {record["cam_box_iou50"]:.0%}' if 'cam_box_iou50' in record else ''), flush=True)
        if name == 'shapes-gap':
            write_demo(model, names)

    print(f'\n{"model":<18}{"scenario":<32}accuracy')
    for name, s, a in rows:
        print(f'{name:<18}{s:<32}{a:.4f}')
    print(f'\nwrote {SUMMARY}; total {time.time() - t0:.0f} s')


def print_confusion(model, x, y, names):
    conf = torch.zeros(len(names), len(names), dtype=torch.long)
    for t, p in zip(y, predict(model, x).argmax(1)):
        conf[t, p] += 1
    print('  confusion on single (rows: true, columns: predicted)\n  ' + ' ' * 9 + ''.join(f'{c:>9}' for c in names))
    for c, row in zip(names, conf.tolist()):
        print(f'  {c:>9}' + ''.join(f'{v:>9}' for v in row))


@torch.no_grad()
def print_shortcut(model, test, mark_boxes, names, shortcut_class):
    """On the shortcut test images that carry the mark: the share predicted as the mark's training class, and
    (CAM models) the share whose predicted-class CAM peaks in a cell that overlaps the mark."""
    x, _, _, _ = test
    marked = mark_boxes[:, 0] >= 0
    pred = predict(model, x[marked]).argmax(1)
    line = (f'  shortcut test, {int(marked.sum())} marked images: '
            f'{(pred == names.index(shortcut_class)).float().mean():.1%} predicted {shortcut_class}')
    if isinstance(model, ShapesGap):
        feats = model.features(normalize(x[marked]))
        cams = torch.einsum('nk,nkhw->nhw', model.fc.weight[pred], feats)
        side = SIZE // cams.shape[2]
        peak = cams.flatten(1).argmax(1)
        px, py = (peak % cams.shape[2]) * side, (peak // cams.shape[2]) * side
        b = mark_boxes[marked]
        on = (px < b[:, 2]) & (b[:, 0] < px + side) & (py < b[:, 3]) & (b[:, 1] < py + side)
        line += f', CAM maximum on the mark {on.float().mean():.1%}'
    print(line, flush=True)


def print_table():
    """The "Bundled models" table of README.md (markdown) from models/models.json."""
    models = json.load(open(SUMMARY))['models']
    scenarios = list(models[0]['accuracy'])
    print('| model | architecture | trained on | ' + ' | '.join(scenarios) + ' | CAM box IoU ≥ 0.5 | size |')
    print('| --- ' * (len(scenarios) + 5) + '|')
    for m in models:
        cam = f"{m['cam_box_iou50']:.0%}" if 'cam_box_iou50' in m else 'no CAM'
        print(f"| `{os.path.basename(m['model'])}` | {m['architecture'].replace('->', '→')} | `{m['train']['scenario']}` | "
              + ' | '.join(f"{m['accuracy'][s]:.1%}" for s in scenarios) + f" | {cam} | {m['bytes'] / 1024:.0f} KiB |")


def save_summary(record):
    """Replaces the model's record in models/models.json, read just before writing so that runs of
    different models (--only, possibly in parallel) keep each other's records."""
    summary = json.load(open(SUMMARY)) if os.path.exists(SUMMARY) else {'models': []}
    models = [m for m in summary['models'] if m['model'] != record['model']] + [record]
    models.sort(key=lambda m: list(MODELS).index(os.path.basename(m['model'])[:-len('.onnx')]))
    with open(SUMMARY, 'w') as f:
        json.dump({'models': models}, f, indent=2)
        f.write('\n')


def write_demo(model, names):
    """models/demo: for each class the first seed-3 `single` test image the model classifies correctly."""
    src = f'{DATA}/demo'
    synth(src, DEMO_SEED, 64, 'single', 'test')
    x, y, boxes, ids = load(src)
    pred = predict(model, x).argmax(1)
    os.makedirs('models/demo', exist_ok=True)
    for old in os.listdir('models/demo'):
        if old.endswith('.png'):
            os.remove(os.path.join('models/demo', old))
    demo = {}
    for label, name in enumerate(names):
        k = next(i for i in range(len(ids)) if y[i] == label and pred[i] == label)
        file = f'{name}_{k}.png'
        shutil.copyfile(os.path.join(src, ids[k]), os.path.join('models/demo', file))
        demo[file] = {'label': label, 'box': boxes[k].tolist()}
    with open('models/demo/boxes.json', 'w') as f:
        f.write('{\n' + ',\n'.join(f'  "{k}": {json.dumps(v)}' for k, v in demo.items()) + '\n}\n')
    print(f'  wrote models/demo: {", ".join(demo)}', flush=True)


if __name__ == '__main__':
    main()
