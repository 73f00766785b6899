#!/usr/bin/python3
"""Exhaustive one-axis output sizes from PyTorch, for tests/shape/torch-table.test.ts.

Run with Debian's interpreter (it sees python3-torch):

    /usr/bin/python3 tests/shape/torch-axis-table.py

Writes tests/shape/torch-axis-table.json: for every small configuration of one
spatial axis, the output length PyTorch computes, or null where PyTorch refuses
(raises, or returns an empty axis). Rows are plain arrays so the file stays
small; the column order is given in each section's "columns" field. The output
is deterministic (shapes only; the values of the tensors do not matter).

  conv:           F.conv1d, integer padding, and padding='same' at stride 1
  convTranspose:  F.conv_transpose1d
  pool:           F.avg_pool1d where dilation is 1 (it raises on an empty
                  output), F.max_pool1d where dilation > 1 (it returns an
                  empty axis instead of raising; we record that as null)
"""

import json
import os
import warnings

import torch
import torch.nn.functional as F

warnings.filterwarnings("ignore")
torch.set_num_threads(1)

HERE = os.path.dirname(os.path.abspath(__file__))


def run(f):
    try:
        n = f().shape[-1]
        return n if n > 0 else None
    except RuntimeError:
        return None


conv = []
for n in range(1, 10):
    for k in range(1, 6):
        for s in range(1, 4):
            for d in range(1, 4):
                x, w = torch.zeros(1, 1, n), torch.zeros(1, 1, k)
                for p in range(0, 4):
                    conv.append([n, k, s, p, d, run(lambda: F.conv1d(x, w, None, s, p, d))])
                if s == 1:
                    conv.append([n, k, s, "same", d, run(lambda: F.conv1d(x, w, None, s, "same", d))])

conv_t = []
for n in range(1, 7):
    for k in range(1, 5):
        for s in range(1, 4):
            for p in range(0, 4):
                for op in range(0, 3):
                    for d in range(1, 4):
                        x, w = torch.zeros(1, 1, n), torch.zeros(1, 1, k)
                        conv_t.append([n, k, s, p, op, d, run(lambda: F.conv_transpose1d(x, w, None, s, p, op, 1, d))])

pool = []
for n in range(1, 10):
    for k in range(1, 6):
        for s in range(1, 4):
            for p in range(0, 4):
                for d in range(1, 3):
                    for ceil in (False, True):
                        x = torch.zeros(1, 1, n)
                        if d == 1:
                            out = run(lambda: F.avg_pool1d(x, k, s, p, ceil))
                        else:
                            out = run(lambda: F.max_pool1d(x, k, s, p, d, ceil))
                        pool.append([n, k, s, p, d, ceil, out])

table = {
    "generator": "tests/shape/torch-axis-table.py",
    "torch": torch.__version__,
    "conv": {"columns": ["in", "kernel", "stride", "padding", "dilation", "out"], "rows": conv},
    "convTranspose": {"columns": ["in", "kernel", "stride", "padding", "outputPadding", "dilation", "out"], "rows": conv_t},
    "pool": {"columns": ["in", "kernel", "stride", "padding", "dilation", "ceilMode", "out"], "rows": pool},
}

path = os.path.join(HERE, "torch-axis-table.json")
with open(path, "w") as f:
    f.write("{\n")
    f.write(f'"generator": {json.dumps(table["generator"])},\n"torch": {json.dumps(table["torch"])},\n')
    for i, key in enumerate(["conv", "convTranspose", "pool"]):
        sec = table[key]
        f.write(f'"{key}": {{"columns": {json.dumps(sec["columns"])}, "rows": [\n')
        f.write(",\n".join(json.dumps(r, separators=(",", ":")) for r in sec["rows"]))
        f.write("\n]}" + ("," if i < 2 else "") + "\n")
    f.write("}\n")
print(f"conv {len(conv)}, convTranspose {len(conv_t)}, pool {len(pool)} rows -> {path} ({os.path.getsize(path)} bytes)")
