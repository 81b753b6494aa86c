#!/usr/bin/env python3
"""Export a PyTorch vision model to the taxoscope model contract.

taxoscope reads a TorchScript file whose forward(x: Tensor[B, 3, H, W]) returns a
Dict[str, Tensor] with one entry per layer, plus a ``taxoscope.json`` extra file inside the
archive that says how to preprocess images and how tokens are laid out (docs/model.md).

This helper wraps any ``torch.nn.Module``: forward hooks record the outputs of the sub-modules
you name (by default every transformer block it can find), the wrapper is traced with
``torch.jit.trace`` and saved with the metadata. Use it from Python::

    import torch, export_model
    model = torch.hub.load("facebookresearch/dinov2", "dinov2_vits14").eval()
    export_model.export(model, "dinov2_vits14.pt", input_size=224,
                        mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225))

or from the command line (models that need downloading need network access once)::

    python3 export_model.py --hub facebookresearch/dinov2:dinov2_vits14 --out dinov2_vits14.pt
    python3 export_model.py --timm vit_small_patch16_224.augreg_in21k --out vit_s16.pt
    python3 export_model.py --torchvision vit_b_16 --weights DEFAULT --out vit_b16.pt

Layers: ``layers=None`` picks ``blocks.N`` (timm, DINOv2), ``encoder.layers.*`` (torchvision
ViT) or ``layer1..layer4`` (torchvision ResNet); pass module names to choose others
(``print(dict(model.named_modules()).keys())`` lists them). ``include_output`` adds the
model's own output (e.g. logits) under that name.

Tracing records one input size: images are always resized to ``input_size`` by taxoscope, so
that is the size the exported model receives. The batch dimension stays free.
"""

import argparse
import json
import sys

import torch

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def default_layers(model):
    """Module names of the per-block outputs for common model families."""
    names = dict(model.named_modules())
    blocks = getattr(model, "blocks", None)
    if isinstance(blocks, torch.nn.Sequential) or isinstance(blocks, torch.nn.ModuleList):
        return ["blocks.%d" % i for i in range(len(blocks))]
    encoder_layers = [n for n in names if n.startswith("encoder.layers.") and n.count(".") == 2]
    if encoder_layers:
        return encoder_layers
    resnet = [n for n in ("layer1", "layer2", "layer3", "layer4") if n in names]
    if resnet:
        return resnet
    raise ValueError("cannot guess the layers of %s; pass layers=[module names]"
                     % type(model).__name__)


def token_layout(model):
    """(class_token, prefix_tokens) for ViT-style models; (False, 0) otherwise."""
    has_cls = getattr(model, "cls_token", None) is not None or hasattr(model, "class_token")
    if not has_cls:
        return False, 0
    prefix = getattr(model, "num_prefix_tokens", None)  # timm
    if prefix is None:
        prefix = 1 + int(getattr(model, "num_register_tokens", 0))  # DINOv2
    return True, int(prefix)


class LayerOutputs(torch.nn.Module):
    """Runs the wrapped model and returns the outputs of the named sub-modules as a dict."""

    def __init__(self, model, layers, include_output=None):
        super().__init__()
        self.model = model
        self.layers = list(layers)
        self.include_output = include_output
        self._captured = {}
        modules = dict(model.named_modules())
        missing = [n for n in self.layers if n not in modules]
        if missing:
            raise ValueError("no sub-module named %s" % ", ".join(missing))
        for name in self.layers:
            modules[name].register_forward_hook(self._hook(name))

    def _hook(self, name):
        def record(_module, _inputs, output):
            if isinstance(output, (tuple, list)):
                output = output[0]
            self._captured[name] = output
        return record

    def forward(self, x):
        self._captured = {}
        result = self.model(x)
        out = {name: self._captured[name] for name in self.layers}
        if self.include_output:
            out[self.include_output] = result
        return out


def metadata(layers, input_size, mean, std, resize, resize_shorter, class_token,
             prefix_tokens, class_set=None):
    h, w = (input_size, input_size) if isinstance(input_size, int) else tuple(input_size)
    meta = {
        "format": 1,
        "input_size": [h, w],
        "resize": resize,
        "resize_shorter": int(resize_shorter or round(max(h, w) * 256 / 224)),
        "mean": [float(v) for v in mean],
        "std": [float(v) for v in std],
        "layers": list(layers),
        "token_layout": {"class_token": bool(class_token), "prefix_tokens": int(prefix_tokens)},
    }
    if class_set:
        meta["class_set"] = class_set
    return meta


def export(model, out_path, layers=None, input_size=224, mean=IMAGENET_MEAN, std=IMAGENET_STD,
           resize="shorter-side-crop", resize_shorter=None, class_token=None, prefix_tokens=None,
           include_output=None, class_set=None):
    """Trace `model` into a taxoscope model file at `out_path`; returns the metadata dict."""
    model = model.eval()
    layers = list(layers) if layers else default_layers(model)
    guessed_cls, guessed_prefix = token_layout(model)
    class_token = guessed_cls if class_token is None else class_token
    prefix_tokens = (guessed_prefix if prefix_tokens is None else prefix_tokens) if class_token \
        else (prefix_tokens or 0)
    names = layers + ([include_output] if include_output else [])
    meta = metadata(names, input_size, mean, std, resize, resize_shorter, class_token,
                    prefix_tokens, class_set)
    wrapper = LayerOutputs(model, layers, include_output).eval()
    h, w = meta["input_size"]
    example = torch.zeros(2, 3, h, w)
    with torch.no_grad():
        traced = torch.jit.trace(wrapper, example, strict=False, check_trace=False)
    traced.save(out_path, _extra_files={"taxoscope.json": json.dumps(meta, indent=2)})
    return meta


def _load_cli_model(args):
    if args.hub:
        repo, _, name = args.hub.partition(":")
        return torch.hub.load(repo, name)
    if args.timm:
        import timm  # noqa: PLC0415 - optional dependency
        return timm.create_model(args.timm, pretrained=True)
    if args.torchvision:
        import torchvision  # noqa: PLC0415 - optional dependency
        return getattr(torchvision.models, args.torchvision)(weights=args.weights)
    raise SystemExit("name a model with --hub, --timm or --torchvision")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--hub", help="torch.hub model, REPO:NAME")
    source.add_argument("--timm", help="timm model name (pretrained weights)")
    source.add_argument("--torchvision", help="torchvision.models constructor name")
    parser.add_argument("--weights", default=None, help="torchvision weights, e.g. DEFAULT")
    parser.add_argument("--out", required=True, help="output .pt file")
    parser.add_argument("--layers", default=None, help="comma-separated module names")
    parser.add_argument("--input-size", type=int, default=None)
    parser.add_argument("--mean", type=float, nargs=3, default=None)
    parser.add_argument("--std", type=float, nargs=3, default=None)
    parser.add_argument("--resize", choices=["shorter-side-crop", "plain"],
                        default="shorter-side-crop")
    parser.add_argument("--resize-shorter", type=int, default=None)
    parser.add_argument("--include-output", default=None,
                        help="also return the model's own output under this name (e.g. logits)")
    parser.add_argument("--class-set", default=None, help="e.g. imagenet1k for ImageNet logits")
    args = parser.parse_args(argv)

    model = _load_cli_model(args)
    cfg = getattr(model, "pretrained_cfg", None) or {}
    input_size = args.input_size or (cfg.get("input_size", (3, 224, 224))[-1])
    meta = export(model, args.out,
                  layers=args.layers.split(",") if args.layers else None,
                  input_size=input_size,
                  mean=args.mean or cfg.get("mean", IMAGENET_MEAN),
                  std=args.std or cfg.get("std", IMAGENET_STD),
                  resize=args.resize, resize_shorter=args.resize_shorter,
                  include_output=args.include_output, class_set=args.class_set)
    print("wrote %s with %d layers: %s" % (args.out, len(meta["layers"]),
                                            ", ".join(meta["layers"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
