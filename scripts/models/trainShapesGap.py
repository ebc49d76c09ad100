#!/usr/bin/env python3
"""Trains camscope's bundled demo model `shapes-gap` and writes its demo images.

Run from the repository root (developer tool, not part of `npm test` or `npm start`):

    /usr/bin/python3 scripts/models/trainShapesGap.py

Needs Debian's python3-torch 1.13 / python3-torchvision 0.14 / python3-onnx 1.12, numpy and PIL;
CPU only, 2 threads, about 5-8 minutes on an idle 2-core machine. It renders a synthetic data set of
128x128 RGB images, each with one shape (circle, square, triangle, star, cross, ring) of random
colour, size (15-45 % of the image side), rotation and position on a textured background (noise,
gradient or stripes) with small clutter (short lines, dots), and keeps each shape's exact box
[x0, y0, x1, y1] in pixel-edge coordinates (x1 exclusive) over the pixels the shape covers at least
half. It trains a small conv -> BatchNorm -> ReLU stack ending in a 96x32x32 map, global average
pooling and one linear layer with non-negative class weights (the CAM architecture of Zhou et al.
2016; why the crops and the weight sign: see train()), prints the test accuracy, the confusion
matrix and a CAM localization check (box of the largest 8-connected component of the bilinearly
upsampled CAM at >= 20 % of its range, as camscope's wsolBox does; IoU >= 0.5 with the true box),
then writes models/shapes-gap.onnx (opset 13, input `input` [N,3,128,128], output `logits` [N,6],
camscope.* metadata) and models/demo/<class>_<k>.png + boxes.json: images from another seed, k the
first index of that class that the model classifies correctly. Reproducibility: every image depends
only on SEED (one numpy generator per image) and training is seeded, so a rerun with the same torch
build and thread count reproduces the same weights and numbers; other builds may differ in the
last bits and hence slightly in the reported numbers.
"""
import json
import math
import os
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image, ImageDraw

SEED = 1234
SIZE = 128
CLASSES = ['circle', 'square', 'triangle', 'star', 'cross', 'ring']
N_TRAIN, N_TEST, BATCH, LR = 4000, 600, 32, 2e-3
EPOCHS, CROP = (14, 4), 64  # epochs on CROP x CROP crops around the object, then on whole images
MEAN, STD = 0.5, 0.25
DEMO_CLASSES = ['triangle', 'star', 'cross', 'ring']
SCRIPT = 'scripts/models/trainShapesGap.py'
OUT_MODEL = 'models/shapes-gap.onnx'
OUT_DEMO = 'models/demo'
SPLITS = {'train': 0, 'test': 1, 'demo': 2}


# ---------------------------------------------------------------- data

def unit_polygon(name):
    """Vertices of a shape with circumradius 1, centred on the origin."""
    ang = lambda n, start: [math.radians(start + 360 * k / n) for k in range(n)]
    if name == 'square':
        return [(math.cos(a), math.sin(a)) for a in ang(4, 45)]
    if name == 'triangle':
        return [(math.cos(a), math.sin(a)) for a in ang(3, -90)]
    if name == 'star':
        return [((1 if k % 2 == 0 else 0.45) * math.cos(a), (1 if k % 2 == 0 else 0.45) * math.sin(a))
                for k, a in enumerate(ang(10, -90))]
    if name == 'cross':  # plus sign, arm half-width 0.3 before normalizing
        w = 0.3
        pts = [(w, 1), (w, w), (1, w), (1, -w), (w, -w), (w, -1), (-w, -1), (-w, -w), (-1, -w), (-1, w), (-w, w), (-w, 1)]
        r = math.hypot(1, w)
        return [(x / r, y / r) for x, y in pts]
    raise ValueError(name)


def random_colour(rng, avoid=(), min_dist=0.0):
    while True:
        c = rng.integers(0, 256, 3)
        if all(np.linalg.norm(c - np.asarray(a, float)) >= min_dist for a in avoid):
            return c


def background(rng):
    """Textured background (float HxWx3 in 0..255) and the colours it is made of."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    c0 = random_colour(rng).astype(np.float32)
    c1 = np.clip(c0 + rng.uniform(-45, 45, 3), 0, 255).astype(np.float32)
    kind = rng.integers(3)
    if kind == 0:  # smooth blotches + fine noise
        low = rng.normal(0, 1, (8, 8)).astype(np.float32)
        t = np.asarray(Image.fromarray(low).resize((SIZE, SIZE), Image.BICUBIC))
        t = (t - t.min()) / (np.ptp(t) + 1e-6)
    else:
        a = rng.uniform(0, 2 * np.pi)
        u = (xx * np.cos(a) + yy * np.sin(a)) / SIZE
        if kind == 1:  # linear gradient
            t = (u - u.min()) / np.ptp(u)
        else:  # stripes, soft or hard
            t = 0.5 + 0.5 * np.sin(2 * np.pi * u * SIZE / rng.uniform(6, 20))
            if rng.random() < 0.5:
                t = (t > 0.5).astype(np.float32)
    img = c0 + t[..., None] * (c1 - c0) + rng.normal(0, rng.uniform(2, 10), (SIZE, SIZE, 3))
    return np.clip(img, 0, 255), (c0, c1)


def render(rng, label):
    """One image (PIL RGB) with a shape of class `label`, and the shape's box [x0, y0, x1, y1]."""
    bg, bg_colours = background(rng)
    img = Image.fromarray(bg.astype(np.uint8))
    draw = ImageDraw.Draw(img)
    for _ in range(rng.integers(3, 9)):  # clutter: short lines and dots
        x, y = rng.uniform(0, SIZE, 2)
        col = tuple(int(v) for v in random_colour(rng))
        if rng.random() < 0.5:
            a, n = rng.uniform(0, 2 * np.pi), rng.uniform(3, 10)
            draw.line([x, y, x + n * np.cos(a), y + n * np.sin(a)], fill=col, width=int(rng.integers(1, 3)))
        else:
            r = rng.uniform(1, 2.5)
            draw.ellipse([x - r, y - r, x + r, y + r], fill=col)

    ss = 4  # coverage mask drawn at 4x, box-filtered -> anti-aliased shape
    r = rng.uniform(0.15, 0.45) * SIZE / 2  # circumradius: diameter 15-45 % of the image side
    cx, cy = rng.uniform(r + 1, SIZE - r - 1, 2)
    mask = Image.new('L', (SIZE * ss, SIZE * ss), 0)
    md = ImageDraw.Draw(mask)
    disk = lambda rad, fill: md.ellipse([(cx - rad) * ss, (cy - rad) * ss, (cx + rad) * ss, (cy + rad) * ss], fill=fill)
    name = CLASSES[label]
    if name in ('circle', 'ring'):
        disk(r, 255)
        if name == 'ring':  # band 25-40 % of the radius
            disk(r * (1 - rng.uniform(0.25, 0.4)), 0)
    else:
        a = rng.uniform(0, 2 * np.pi)
        ca, sa = math.cos(a), math.sin(a)
        md.polygon([((cx + r * (x * ca - y * sa)) * ss, (cy + r * (x * sa + y * ca)) * ss) for x, y in unit_polygon(name)], fill=255)
    mask = mask.resize((SIZE, SIZE), Image.BOX)
    colour = random_colour(rng, avoid=bg_colours, min_dist=120)
    img.paste(Image.new('RGB', (SIZE, SIZE), tuple(int(v) for v in colour)), mask=mask)

    ys, xs = np.nonzero(np.asarray(mask) >= 128)
    return img, [int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1]


def make_split(split, n):
    """Balanced split: image i has class i % 6 and its own generator seeded by (SEED, split, i)."""
    imgs, labels, boxes = [], [], []
    for i in range(n):
        img, box = render(np.random.default_rng([SEED, SPLITS[split], i]), i % len(CLASSES))
        imgs.append(np.asarray(img))
        labels.append(i % len(CLASSES))
        boxes.append(box)
    x = torch.from_numpy(np.stack(imgs)).permute(0, 3, 1, 2).contiguous()  # uint8 N,3,H,W
    return x, torch.tensor(labels), torch.tensor(boxes)


def normalize(x_uint8):
    return (x_uint8.float() / 255 - MEAN) / STD


# ---------------------------------------------------------------- model

def block(cin, cout, stride=1, k=3):
    return [nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class ShapesGap(nn.Module):
    def __init__(self, classes=len(CLASSES)):
        super().__init__()
        # 128 -> 64 (stride-2 conv) -> 32 (max-pool), three 3x3 convs and a 1x1 conv at 32x32: the final
        # 96 x 32 x 32 map (stride 4, receptive field 29 px) keeps CAM sharp enough to box shapes of 19-58 px
        self.features = nn.Sequential(
            *block(3, 24, 2), nn.MaxPool2d(2), *block(24, 32), *block(32, 48), *block(48, 64), *block(64, 96, k=1))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(96, classes)
        self.fc.weight.data.abs_()  # kept >= 0 in training, see train()

    def forward(self, x):
        return self.fc(self.flatten(self.pool(self.features(x))))


def augment(x, g):
    """Label-preserving per-image augmentation of a uint8 batch: the 8 flips/90-degree rotations,
    a channel permutation and colour inversion (the classes are shapes, whatever their colour)."""
    n = len(x)
    r = lambda: (torch.rand(n, generator=g) < 0.5)[:, None, None, None]
    x = torch.where(r(), x.flip(3), x)
    x = torch.where(r(), x.flip(2), x)
    x = torch.where(r(), x.transpose(2, 3), x)
    x = torch.where(r(), 255 - x, x)
    perm = torch.stack([torch.randperm(3, generator=g) for _ in range(n)])
    return x[torch.arange(n)[:, None], perm]


def crops(x, boxes, g, size):
    """A random size x size crop of each image that still contains its whole object."""
    out = []
    for img, (x0, y0, x1, y1) in zip(x, boxes.tolist()):
        cx = int(torch.randint(max(0, x1 - size), min(x0, SIZE - size) + 1, (1,), generator=g))
        cy = int(torch.randint(max(0, y1 - size), min(y0, SIZE - size) + 1, (1,), generator=g))
        out.append(img[:, cy:cy + size, cx:cx + size])
    return torch.stack(out)


def train(model, x, y, boxes, x_test, y_test):
    """Adam with a one-cycle schedule: first on 64x64 crops around the object (4x cheaper, and the
    object fills more of the pooled map, which ends a long initial plateau), then on whole images so
    that BatchNorm and the classifier see the real GAP statistics. The class weights are projected
    onto w >= 0 after every step: over ReLU features the CAM is then >= 0, a class is scored only by
    evidence for it, and the background (few features firing) sits at the map's minimum instead of
    above it, which the 20 % threshold of CAM localization relies on (same plain GAP + Linear head)."""
    g = torch.Generator().manual_seed(SEED)
    steps = sum(EPOCHS) * math.ceil(len(x) / BATCH)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=LR, total_steps=steps, pct_start=0.15)
    for epoch, crop in enumerate([CROP] * EPOCHS[0] + [None] * EPOCHS[1]):
        model.train()
        t, correct, loss_sum = time.time(), 0, 0.0
        for idx in torch.randperm(len(x), generator=g).split(BATCH):
            xb = crops(x[idx], boxes[idx], g, crop) if crop else x[idx]
            out = model(normalize(augment(xb, g)))
            loss = F.cross_entropy(out, y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            model.fc.weight.data.clamp_(min=0)
            sched.step()
            loss_sum += loss.item() * len(idx)
            correct += (out.argmax(1) == y[idx]).sum().item()
        test = '' if crop else f', test acc {(predict(model, x_test)[1].argmax(1) == y_test).float().mean().item():.3f}'
        print(f'epoch {epoch + 1}/{sum(EPOCHS)} ({f"{crop}px crops" if crop else "whole images"}): '
              f'loss {loss_sum / len(x):.4f}, train acc {correct / len(x):.3f}{test} ({time.time() - t:.0f} s)', flush=True)


@torch.no_grad()
def predict(model, x):
    model.eval()
    feats, logits = [], []
    for xb in x.split(200):
        f = model.features(normalize(xb))
        feats.append(f)
        logits.append(model.fc(model.flatten(model.pool(f))))
    return torch.cat(feats), torch.cat(logits)


# ---------------------------------------------------------------- CAM check

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


def cam_boxes(model, feats, classes):
    """CAM box per image: sum_k w_k^c f_k (signed, no bias), bilinear to SIZE, >= 20 % of its range."""
    cams = torch.einsum('nk,nkhw->nhw', model.fc.weight[classes], feats)
    cams = F.interpolate(cams[:, None], size=(SIZE, SIZE), mode='bilinear', align_corners=False)[:, 0]
    boxes = []
    for m in cams:
        m = (m - m.min()) / (m.max() - m.min())
        boxes.append(largest_component_box((m >= 0.2).numpy()))
    return boxes


# ---------------------------------------------------------------- main

def main():
    torch.set_num_threads(2)
    torch.manual_seed(SEED)
    t0 = time.time()
    x_train, y_train, box_train = make_split('train', N_TRAIN)
    x_test, y_test, box_test = make_split('test', N_TEST)
    print(f'data: {N_TRAIN} train + {N_TEST} test images ({time.time() - t0:.0f} s)', flush=True)

    model = ShapesGap()
    t1 = time.time()
    train(model, x_train, y_train, box_train, x_test, y_test)
    train_s = time.time() - t1

    feats, logits = predict(model, x_test)
    pred = logits.argmax(1)
    acc = (pred == y_test).float().mean().item()
    conf = torch.zeros(len(CLASSES), len(CLASSES), dtype=torch.long)
    for t, p in zip(y_test, pred):
        conf[t, p] += 1
    print(f'\ntraining {train_s:.0f} s; test accuracy {acc:.4f} ({N_TEST} images)')
    print('confusion matrix (rows: true, columns: predicted)')
    print(' ' * 9 + ''.join(f'{c:>9}' for c in CLASSES))
    for c, row in zip(CLASSES, conf.tolist()):
        print(f'{c:>9}' + ''.join(f'{v:>9}' for v in row))

    n_cam = 100
    with torch.no_grad():
        boxes = cam_boxes(model, feats[:n_cam], pred[:n_cam])
    ious = [iou(b, g.tolist()) for b, g in zip(boxes, box_test[:n_cam])]
    cam_frac = float(np.mean([v >= 0.5 for v in ious]))
    print(f'\nCAM localization on {n_cam} test images: IoU >= 0.5 for {cam_frac:.0%} (mean IoU {np.mean(ious):.3f})')

    # ONNX export + metadata
    os.makedirs(OUT_DEMO, exist_ok=True)
    model.eval()
    torch.onnx.export(model, torch.zeros(1, 3, SIZE, SIZE), OUT_MODEL, opset_version=13,
                      input_names=['input'], output_names=['logits'],
                      dynamic_axes={'input': {0: 'N'}, 'logits': {0: 'N'}}, do_constant_folding=True)
    m = onnx.load(OUT_MODEL)
    meta = {
        'camscope.preprocessing': json.dumps({'size': [SIZE, SIZE], 'mean': [MEAN] * 3, 'std': [STD] * 3}),
        'camscope.labels': json.dumps(CLASSES),
        'camscope.label_offset': '0',
        'camscope.training': json.dumps({'seed': SEED, 'train_images': N_TRAIN, 'test_images': N_TEST, 'epochs': sum(EPOCHS),
                                         'schedule': f'{EPOCHS[0]} epochs on {CROP}x{CROP} object crops, {EPOCHS[1]} on whole images',
                                         'test_accuracy': round(acc, 4), 'cam_box_iou50': round(cam_frac, 2), 'script': SCRIPT}),
    }
    for k, v in meta.items():
        p = m.metadata_props.add()
        p.key, p.value = k, v
    onnx.checker.check_model(m)
    onnx.save(m, OUT_MODEL)
    print(f'\nwrote {OUT_MODEL} ({os.path.getsize(OUT_MODEL) / 1024:.0f} KiB)')

    # demo images: the first correctly classified image of each demo class from the demo seed
    for old in os.listdir(OUT_DEMO):
        if old.endswith('.png'):
            os.remove(os.path.join(OUT_DEMO, old))
    demo = {}
    for name in DEMO_CLASSES:
        label = CLASSES.index(name)
        for k in range(100):
            img, box = render(np.random.default_rng([SEED, SPLITS['demo'], label, k]), label)
            feats, logits = predict(model, torch.from_numpy(np.array(img)).permute(2, 0, 1)[None])
            if logits.argmax(1).item() == label:
                break
        file = f'{name}_{k}.png'
        img.save(os.path.join(OUT_DEMO, file))
        demo[file] = {'label': label, 'box': box}
        with torch.no_grad():
            print(f'wrote {OUT_DEMO}/{file}: box {box}, torch CAM box {cam_boxes(model, feats, [label])[0]}')
    with open(os.path.join(OUT_DEMO, 'boxes.json'), 'w') as f:
        f.write('{\n' + ',\n'.join(f'  "{k}": {json.dumps(v)}' for k, v in demo.items()) + '\n}\n')
    print(f'total {time.time() - t0:.0f} s')


if __name__ == '__main__':
    main()
