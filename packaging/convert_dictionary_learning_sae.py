#!/usr/bin/python3
"""Converts a dictionary_learning SAE (ae.pt + config.json) that LibTorch cannot read (the legacy
non-zip torch.save format, a pickled module instead of a state dict, ...) into the SAELens layout
taxoscope reads: OUT/cfg.json + OUT/sae_weights.safetensors.

Run with Debian's Python and PyTorch:  sudo apt-get install python3-torch
    /usr/bin/python3 convert_dictionary_learning_sae.py path/to/ae_folder OUT
then:
    taxoscope-cli import-sae --workspace WS --layer L OUT

Supported dictionary classes: AutoEncoder (ReLU), AutoEncoderTopK, JumpReluAutoEncoder.
Only Python's standard library, numpy and torch are used; safetensors is written by hand.
"""
import json
import os
import struct
import sys

import numpy as np
import torch


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, array in tensors.items():
        array = np.ascontiguousarray(array, dtype=np.float32)
        data = array.astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, out = sys.argv[1], sys.argv[2]
    if os.path.isfile(src):
        src = os.path.dirname(src) or "."
    state = torch.load(os.path.join(src, "ae.pt"), map_location="cpu")
    if hasattr(state, "state_dict"):
        state = state.state_dict()
    state = {k: v.detach().float().numpy() for k, v in state.items() if torch.is_tensor(v)}
    config = {}
    if os.path.exists(os.path.join(src, "config.json")):
        with open(os.path.join(src, "config.json")) as f:
            config = json.load(f).get("trainer", {})
    dict_class = config.get("dict_class")
    if dict_class is None:
        dict_class = ("JumpReluAutoEncoder" if "W_enc" in state else
                      "AutoEncoderTopK" if "b_dec" in state else "AutoEncoder")
    cfg = {"device": "cpu", "dtype": "float32", "normalize_activations": "none",
           "taxoscope": {"imported_from": "dictionary_learning",
                         "source_path": os.path.abspath(src),
                         "notes": ["converted by convert_dictionary_learning_sae.py"]}}
    if dict_class == "JumpReluAutoEncoder":
        w_enc, w_dec = state["W_enc"], state["W_dec"]
        tensors = {"W_enc": w_enc, "W_dec": w_dec, "b_enc": state["b_enc"],
                   "b_dec": state["b_dec"], "threshold": state["threshold"]}
        cfg.update(architecture="jumprelu",
                   apply_b_dec_to_input=bool(config.get("apply_b_dec_to_input", False)))
    elif dict_class in ("AutoEncoder", "AutoEncoderTopK"):
        # nn.Linear layouts: encoder.weight [d_sae, d_in], decoder.weight [d_in, d_sae].
        w_enc, w_dec = state["encoder.weight"].T, state["decoder.weight"].T
        b_dec = state["bias"] if dict_class == "AutoEncoder" else state["b_dec"]
        tensors = {"W_enc": w_enc, "W_dec": w_dec, "b_enc": state["encoder.bias"], "b_dec": b_dec}
        cfg.update(architecture="standard", apply_b_dec_to_input=True)
        if dict_class == "AutoEncoderTopK":
            k = config.get("k")
            if k is None:
                k = int(state["k"])
            cfg.update(architecture="topk", k=int(k))
    else:
        sys.exit(f"dictionary class {dict_class} is not supported")
    cfg.update(d_in=int(tensors["W_enc"].shape[0]), d_sae=int(tensors["W_enc"].shape[1]))
    os.makedirs(out, exist_ok=True)
    write_safetensors(os.path.join(out, "sae_weights.safetensors"), tensors)
    with open(os.path.join(out, "cfg.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    print(f"wrote {out}: {cfg['architecture']}, d_in {cfg['d_in']}, d_sae {cfg['d_sae']}")


if __name__ == "__main__":
    main()
