"""Test helper: export a small random ViT with packaging/export_model.py and compute reference
activations in Python for a list of images, with the preprocessing taxoscope documents.

usage: tiny_vit_export.py SOURCE_DIR OUT_DIR IMAGE...
writes OUT_DIR/vit.pt and OUT_DIR/ref_<layer>.npy (class token per image, float32).
"""
import os
import sys

import cv2
import numpy as np
import torch

sys.path.insert(0, os.path.join(sys.argv[1], "packaging"))
import export_model  # noqa: E402


class Block(torch.nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm1 = torch.nn.LayerNorm(dim)
        self.attn = torch.nn.MultiheadAttention(dim, heads, batch_first=True)
        self.norm2 = torch.nn.LayerNorm(dim)
        self.mlp = torch.nn.Sequential(torch.nn.Linear(dim, 2 * dim), torch.nn.GELU(),
                                       torch.nn.Linear(2 * dim, dim))

    def forward(self, x):
        y = self.norm1(x)
        x = x + self.attn(y, y, y, need_weights=False)[0]
        return x + self.mlp(self.norm2(x))


class TinyViT(torch.nn.Module):
    def __init__(self, size=32, patch=8, dim=16, depth=3, heads=2, classes=5):
        super().__init__()
        self.patch_embed = torch.nn.Conv2d(3, dim, patch, patch)
        self.cls_token = torch.nn.Parameter(torch.randn(1, 1, dim))
        self.pos_embed = torch.nn.Parameter(torch.randn(1, 1 + (size // patch) ** 2, dim) * 0.1)
        self.blocks = torch.nn.Sequential(*[Block(dim, heads) for _ in range(depth)])
        self.norm = torch.nn.LayerNorm(dim)
        self.head = torch.nn.Linear(dim, classes)

    def forward(self, x):
        t = self.patch_embed(x).flatten(2).transpose(1, 2)
        t = torch.cat([self.cls_token.expand(t.shape[0], -1, -1), t], 1) + self.pos_embed
        t = self.blocks(t)
        return self.head(self.norm(t)[:, 0])


def preprocess(path, size, shorter, mean, std):
    bgr = cv2.imread(path, cv2.IMREAD_COLOR)
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    h, w = rgb.shape[:2]
    s = min(h, w)
    nw = shorter if w == s else int(np.floor(w * shorter / s + 0.5))
    nh = shorter if h == s else int(np.floor(h * shorter / s + 0.5))
    if (nw, nh) != (w, h):
        rgb = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_LINEAR)
    x0, y0 = (nw - size) // 2, (nh - size) // 2
    crop = rgb[y0:y0 + size, x0:x0 + size].astype(np.float32) / 255.0
    crop = (crop - np.array(mean, np.float32)) / np.array(std, np.float32)
    return crop.transpose(2, 0, 1)


def main():
    source, out = sys.argv[1], sys.argv[2]
    images = sys.argv[3:]
    torch.manual_seed(3)
    model = TinyViT().eval()
    meta = export_model.export(model, os.path.join(out, "vit.pt"), input_size=32,
                               mean=(0.5, 0.4, 0.3), std=(0.2, 0.25, 0.3), include_output="logits")
    x = torch.from_numpy(np.stack([preprocess(p, 32, meta["resize_shorter"], meta["mean"],
                                              meta["std"]) for p in images]))
    captured = {}
    hooks = [model.blocks[i].register_forward_hook(
        lambda _m, _i, o, name="blocks.%d" % i: captured.__setitem__(name, o))
        for i in range(len(model.blocks))]
    with torch.no_grad():
        logits = model(x)
    for h in hooks:
        h.remove()
    for name, value in captured.items():
        np.save(os.path.join(out, "ref_%s.npy" % name), value[:, 0].numpy().astype(np.float32))
    np.save(os.path.join(out, "ref_logits.npy"), logits.numpy().astype(np.float32))
    print(" ".join(meta["layers"]))


if __name__ == "__main__":
    main()
