#!/usr/bin/python3
"""Writes SAEs in every layout taxoscope imports, plus activations and reference codes computed
here with numpy, independently of taxoscope's readers (safetensors bytes are written by hand:
8-byte header length, JSON header, raw little-endian arrays).

usage: write_foreign_saes.py OUT_DIR [--torch]
  --torch  also write dictionary_learning ae.pt files (needs python3-torch)

OUT_DIR/<case>/ holds the SAE files and ref_codes.npy; OUT_DIR/x.npy (float32) and
OUT_DIR/x16.npy (float16) are the activations every reference was computed from.
"""
import json
import os
import struct
import sys

import numpy as np

D_IN, D_SAE, N, K = 16, 48, 37, 5
rng = np.random.default_rng(1234)


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, array in tensors:
        array = np.ascontiguousarray(array)
        code = {np.dtype("float32"): "F32", np.dtype("float16"): "F16"}[array.dtype]
        data = array.astype(array.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": code, "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f)


def params(dtype=np.float32):
    w_enc = (rng.standard_normal((D_IN, D_SAE)) / np.sqrt(D_IN)).astype(dtype)
    w_dec = (rng.standard_normal((D_SAE, D_IN)) / np.sqrt(D_SAE)).astype(dtype)
    b_enc = (rng.standard_normal(D_SAE) * 0.2).astype(dtype)
    b_dec = (rng.standard_normal(D_IN) * 0.2).astype(dtype)
    return w_enc, w_dec, b_enc, b_dec


def pre_acts(x, w_enc, b_enc, b_dec, subtract):
    x = x.astype(np.float64)
    if subtract:
        x = x - b_dec.astype(np.float64)
    return x @ w_enc.astype(np.float64) + b_enc.astype(np.float64)


def relu(pre):
    return np.maximum(pre, 0.0)


def topk(pre, k):
    z = np.zeros_like(pre)
    idx = np.argsort(-pre, axis=1)[:, :k]
    rows = np.arange(pre.shape[0])[:, None]
    z[rows, idx] = np.maximum(pre[rows, idx], 0.0)
    return z


def case_dir(out, name):
    path = os.path.join(out, name)
    os.makedirs(path, exist_ok=True)
    return path


def save_ref(path, z):
    np.save(os.path.join(path, "ref_codes.npy"), z.astype(np.float32))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    x = rng.standard_normal((N, D_IN)).astype(np.float32)
    np.save(os.path.join(out, "x.npy"), x)
    np.save(os.path.join(out, "x16.npy"), x.astype(np.float16))

    # SAELens >= 6: standard (ReLU) architecture, b_dec subtracted from the input.
    w_enc, w_dec, b_enc, b_dec = params()
    d = case_dir(out, "saelens_relu")
    write_json(os.path.join(d, "cfg.json"), {
        "architecture": "standard", "d_in": D_IN, "d_sae": D_SAE, "dtype": "float32",
        "device": "cpu", "apply_b_dec_to_input": True, "normalize_activations": "none",
        "metadata": {"hook_name": "blocks.3.hook_resid_post"}})
    write_safetensors(os.path.join(d, "sae_weights.safetensors"),
                      [("W_enc", w_enc), ("W_dec", w_dec), ("b_enc", b_enc), ("b_dec", b_dec)])
    save_ref(d, relu(pre_acts(x, w_enc, b_enc, b_dec, True)))
    x16 = x.astype(np.float16).astype(np.float32)
    np.save(os.path.join(d, "ref_codes_x16.npy"),
            relu(pre_acts(x16, w_enc, b_enc, b_dec, True)).astype(np.float32))

    # The same SAE with W_enc stored transposed: orientation must come from the shapes.
    d = case_dir(out, "saelens_transposed")
    write_json(os.path.join(d, "cfg.json"), {
        "architecture": "standard", "d_in": D_IN, "d_sae": D_SAE, "dtype": "float32",
        "apply_b_dec_to_input": True})
    write_safetensors(os.path.join(d, "sae_weights.safetensors"),
                      [("W_enc", w_enc.T.copy()), ("W_dec", w_dec), ("b_enc", b_enc),
                       ("b_dec", b_dec)])
    save_ref(d, relu(pre_acts(x, w_enc, b_enc, b_dec, True)))

    # SAELens >= 6 JumpReLU, float16 weights, no b_dec subtraction.
    w_enc, w_dec, b_enc, b_dec = params(np.float16)
    threshold = (rng.random(D_SAE) * 0.5).astype(np.float16)
    d = case_dir(out, "saelens_jumprelu_f16")
    write_json(os.path.join(d, "cfg.json"), {
        "architecture": "jumprelu", "d_in": D_IN, "d_sae": D_SAE, "dtype": "float16",
        "apply_b_dec_to_input": False, "normalize_activations": "none"})
    write_safetensors(os.path.join(d, "sae_weights.safetensors"),
                      [("W_enc", w_enc), ("W_dec", w_dec), ("b_enc", b_enc), ("b_dec", b_dec),
                       ("threshold", threshold)])
    pre = pre_acts(x, w_enc, b_enc, b_dec, False)
    save_ref(d, relu(pre) * (pre > threshold.astype(np.float64)))

    # SAELens < 6: no "architecture" key, TopK through activation_fn_str / activation_fn_kwargs.
    w_enc, w_dec, b_enc, b_dec = params()
    d = case_dir(out, "saelens_legacy_topk")
    write_json(os.path.join(d, "cfg.json"), {
        "d_in": D_IN, "d_sae": D_SAE, "dtype": "torch.float32", "device": "cpu",
        "hook_name": "blocks.5.hook_resid_post", "hook_layer": 5, "model_name": "gpt2",
        "activation_fn_str": "topk", "activation_fn_kwargs": {"k": K},
        "apply_b_dec_to_input": True, "finetuning_scaling_factor": False,
        "normalize_activations": "none", "context_size": 128})
    write_safetensors(os.path.join(d, "sae_weights.safetensors"),
                      [("W_enc", w_enc), ("W_dec", w_dec), ("b_enc", b_enc), ("b_dec", b_dec)])
    save_ref(d, topk(pre_acts(x, w_enc, b_enc, b_dec, True), K))

    # sparsify: encoder is an nn.Linear ([d_sae, d_in] weight), TopK of ReLU(encoder(x - b_dec)).
    w_enc, w_dec, b_enc, b_dec = params()
    d = case_dir(out, "sparsify_topk")
    write_json(os.path.join(d, "cfg.json"), {
        "expansion_factor": D_SAE // D_IN, "normalize_decoder": True, "num_latents": 0, "k": K,
        "multi_topk": False, "skip_connection": False, "d_in": D_IN})
    write_safetensors(os.path.join(d, "sae.safetensors"),
                      [("encoder.weight", w_enc.T.copy()), ("encoder.bias", b_enc),
                       ("W_dec", w_dec), ("b_dec", b_dec)])
    save_ref(d, topk(pre_acts(x, w_enc, b_enc, b_dec, True), K))

    if "--torch" in sys.argv:
        import torch
        # dictionary_learning AutoEncoder: nn.Linear encoder/decoder, "bias" is b_dec.
        w_enc, w_dec, b_enc, b_dec = params()
        d = case_dir(out, "dictionary_learning_relu")
        torch.save({"bias": torch.from_numpy(b_dec),
                    "encoder.weight": torch.from_numpy(w_enc.T.copy()),
                    "encoder.bias": torch.from_numpy(b_enc),
                    "decoder.weight": torch.from_numpy(w_dec.T.copy())},
                   os.path.join(d, "ae.pt"))
        write_json(os.path.join(d, "config.json"), {
            "trainer": {"dict_class": "AutoEncoder", "activation_dim": D_IN,
                        "dict_size": D_SAE, "lm_name": "test"}})
        save_ref(d, relu(pre_acts(x, w_enc, b_enc, b_dec, True)))

        # dictionary_learning AutoEncoderTopK: b_dec and a k buffer.
        w_enc, w_dec, b_enc, b_dec = params()
        d = case_dir(out, "dictionary_learning_topk")
        torch.save({"encoder.weight": torch.from_numpy(w_enc.T.copy()),
                    "encoder.bias": torch.from_numpy(b_enc),
                    "decoder.weight": torch.from_numpy(w_dec.T.copy()),
                    "b_dec": torch.from_numpy(b_dec), "k": torch.tensor(K),
                    "threshold": torch.tensor(-1.0)},
                   os.path.join(d, "ae.pt"))
        write_json(os.path.join(d, "config.json"), {
            "trainer": {"dict_class": "AutoEncoderTopK", "activation_dim": D_IN,
                        "dict_size": D_SAE, "k": K}})
        save_ref(d, topk(pre_acts(x, w_enc, b_enc, b_dec, True), K))


if __name__ == "__main__":
    main()
