"""The PyTorch peer of bench/peers.ts: the same workloads, timed the same way.

    /usr/bin/python3 bench/peers.py '{"threads": 1, "runs": 7, "warmup": 2, "only": ["W1", ...]}'

Prints one JSON object: the torch version, the BLAS library the process
loaded (read from /proc/self/maps after a matmul), the thread count, and per
workload the median, fastest and slowest time in ms. With "firstCall": "W1"
or "W2" it instead times that workload's first call in this fresh process.
Runs on the CPU unless "device" is "cuda" (bench/gpu/), where each timing
synchronizes the device.
"""
import json
import statistics
import sys
import time

config = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
t_import = time.perf_counter()
import torch  # noqa: E402
from torch import nn  # noqa: E402
import_ms = (time.perf_counter() - t_import) * 1000

threads = int(config.get("threads", 1))
runs = int(config.get("runs", 7))
warmup = int(config.get("warmup", 2))
only = set(config.get("only", ["W1", "W1b1", "W2", "W3", "W4", "W5", "ceiling", "resnet18"]))
device = torch.device(config.get("device", "cpu"))
cuda = device.type == "cuda"
torch.set_num_threads(threads)
torch.manual_seed(0)


def sync():
    if cuda:
        torch.cuda.synchronize()


def timed(f, n=runs, w=warmup):
    for _ in range(w):
        f()
    sync()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        f()
        sync()
        times.append((time.perf_counter() - t0) * 1000)
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "runs": n}


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10)).to(device)


def lenet_forward(batch):
    net = lenet().eval()
    x = torch.randn(batch, 1, 28, 28, device=device)

    def run():
        with torch.no_grad():
            net(x).sum().item() if cuda else net(x)
    return run


def training_step(net, opt, x):
    """One step: forward, cross-entropy, backward, optimizer; loss.item() waits for it."""
    y = torch.arange(x.shape[0], device=device).mul(7).add(3).remainder(10)

    def run():
        opt.zero_grad(set_to_none=True)
        loss = nn.functional.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        loss.item()
    return run


def lenet_step(batch=64):
    net = lenet()
    return training_step(net, torch.optim.SGD(net.parameters(), lr=0.01), torch.randn(batch, 1, 28, 28, device=device))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.shortcut(x))


def resnet18():
    layers = [nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU()]
    cin = 64
    for cout, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
        layers += [BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)]
        cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, 10)]
    return nn.Sequential(*layers).to(device)


def resnet_step(batch=32):
    net = resnet18()
    return training_step(net, torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9), torch.randn(batch, 3, 32, 32, device=device))


def conv(batch=8):
    x = torch.randn(batch, 64, 56, 56, device=device)
    w = torch.randn(64, 64, 3, 3, device=device) * 0.05
    b = torch.randn(64, device=device)
    return lambda: nn.functional.conv2d(x, w, b, padding=1)


def conv_transpose(batch=8):
    x = torch.randn(batch, 128, 16, 16, device=device)
    w = torch.randn(128, 64, 4, 4, device=device) * 0.05
    b = torch.randn(64, device=device)
    return lambda: nn.functional.conv_transpose2d(x, w, b, stride=2, padding=1)


def matmul(n):
    a = torch.randn(n, n, device=device)
    b = torch.randn(n, n, device=device)
    return lambda: a @ b


def blas_libraries():
    try:
        with open("/proc/self/maps") as f:
            names = {line.split()[-1] for line in f if len(line.split()) >= 6}
        return sorted(n for n in names if any(k in n.lower() for k in ("blas", "mkl", "lapack", "cublas")))
    except OSError:
        return []


result = {"torch": torch.__version__, "threads": torch.get_num_threads(), "device": str(device), "importMs": import_ms}
if cuda:
    result["gpu"] = torch.cuda.get_device_name(0)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
first = config.get("firstCall")
if first:
    make = {"W1": lambda: lenet_forward(64), "W2": lenet_step}[first]
    t0 = time.perf_counter()
    make()()
    sync()
    result["firstCall"] = {"workload": first, "ms": (time.perf_counter() - t0) * 1000}
else:
    workloads = {
        "W1": lambda: lenet_forward(64),
        "W1b1": lambda: lenet_forward(1),
        "W2": lenet_step,
        "W3": conv,
        "W4": conv_transpose,
        "W5": lambda: matmul(1024),
        "ceiling": lambda: matmul(int(config.get("ceilingSize", 2048))),
        "W5big": lambda: matmul(4096),
        "resnet18": resnet_step,
    }
    # "W3@32", "resnet18@256": the same workload at another batch (bench/scale.ts).
    at_batch = {"W3": conv, "W4": conv_transpose, "resnet18": resnet_step}
    for name in sorted(n for n in only if "@" in n):
        base, batch = name.split("@")
        workloads[name] = (lambda f, b: lambda: f(b))(at_batch[base], int(batch))
    result["workloads"] = {}
    for name, make in workloads.items():
        if name in only:
            few = name.startswith("resnet18")
            result["workloads"][name] = timed(make(), n=int(config.get("resnetRuns", 3)) if few else runs, w=1 if few else warmup)
result["blas"] = blas_libraries()
print(json.dumps(result))
