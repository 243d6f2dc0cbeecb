"""PyTorch side of the benchmark suite: the same U-Net, training step and inference as MLNet.UNet.

Run by bench/Suite (one case per process, so that peak memory is per case); prints one JSON object on stdout.
Usage: python3 unet_bench.py CASE --network JSON --threads N [--steps N] [--runs N] [--weights DIR]
  CASE: peak | train | infer
"""
import argparse
import json
import resource
import statistics
import sys
import time

started = time.perf_counter()
import torch  # noqa: E402  (timed: it is part of loading a model in a fresh process)
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch_import_seconds = time.perf_counter() - started


class ConvBlock(nn.Module):
    """Two 3x3 'same' convolutions, each with optional batch norm and a ReLU (as src/Trainer/Networks/ConvBlock.cs)."""

    def __init__(self, cin, cout, batch_norm):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, bias=not batch_norm)
        self.norm1 = nn.BatchNorm2d(cout) if batch_norm else None
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=not batch_norm)
        self.norm2 = nn.BatchNorm2d(cout) if batch_norm else None

    def forward(self, x):
        for conv, norm in ((self.conv1, self.norm1), (self.conv2, self.norm2)):
            x = conv(x)
            if norm is not None:
                x = norm(x)
            x = F.relu(x)
        return x


class UNet(nn.Module):
    """The U-Net of src/Trainer/Networks/UNetNetwork.cs with nearest upsampling; same module and parameter names."""

    def __init__(self, in_channels, base, depth, batch_norm):
        super().__init__()
        self.encoder = nn.ModuleList()
        channels = in_channels
        for level in range(depth):
            self.encoder.append(ConvBlock(channels, base << level, batch_norm))
            channels = base << level
        self.bottom = ConvBlock(channels, base << depth, batch_norm)
        channels = base << depth
        self.decoder = nn.ModuleList()
        for level in reversed(range(depth)):
            skip = base << level
            self.decoder.append(ConvBlock(channels + skip, skip, batch_norm))
            channels = skip
        self.head = nn.Conv2d(channels, 1, 1)

    def forward(self, x):
        skips = []
        for block in self.encoder:
            x = block(x)
            skips.append(x)
            x = F.max_pool2d(x, 2)
        x = self.bottom(x)
        for i, block in enumerate(self.decoder):
            up = F.interpolate(x, scale_factor=2, mode="nearest")
            x = block(torch.cat([up, skips[-1 - i]], 1))
        return self.head(x)


def bce_plus_dice(logits, masks):
    """0.5 BCE on logits + 0.5 soft Dice (smoothing 1, per image), as the trainer's default loss."""
    target = masks.unsqueeze(1)
    bce = F.binary_cross_entropy_with_logits(logits, target)
    probabilities = torch.sigmoid(logits)
    intersection = (probabilities * target).sum((2, 3))
    total = probabilities.sum((2, 3)) + target.sum((2, 3))
    dice = 1 - ((2 * intersection + 1) / (total + 1)).mean()
    return 0.5 * bce + 0.5 * dice


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def sorted_seconds(action, runs, warmup=2):
    for _ in range(warmup):
        action()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return sorted(times)


def timed(action, runs, warmup=2):
    """Median seconds of the timed runs."""
    return statistics.median(sorted_seconds(action, runs, warmup))


def best_of(action, runs, warmup=2):
    """The fastest of several runs: a machine's limit, which noise can only hide."""
    return sorted_seconds(action, runs, warmup)[0]


def case_peak(args):
    results = {}
    with torch.no_grad():
        for channels, size in ((32, 256), (64, 128), (128, 64), (256, 32), (512, 16)):
            x = torch.randn(4, channels, size, size)
            conv = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
            seconds = best_of(lambda: conv(x), 10)
            results[f"conv{channels}@{size}"] = 2.0 * channels * channels * 9 * size * size * 4 / seconds / 1e9
        a, b = torch.randn(4096, 4096), torch.randn(4096, 4096)
        # Debian's build has a generic BLAS (about 2 GFLOP/s here), so the matmul is timed once.
        results["matmul4096"] = 2.0 * 4096 ** 3 / best_of(lambda: a @ b, 1, warmup=0) / 1e9
    return {"gflops": results}


def case_train(args, net):
    torch.manual_seed(1)
    model = UNet(net["in_channels"], net["base"], net["depth"], net["batch_norm"]).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    batch, size = net["batch"], net["size"]
    images = torch.rand(batch * 4, net["in_channels"], size, size)
    masks = (torch.rand(batch * 4, size, size) > 0.7).float()
    step_times = []
    for step in range(args.steps + 2):
        start = time.perf_counter()
        indices = torch.randint(0, images.shape[0], (batch,))
        x, y = images.index_select(0, indices), masks.index_select(0, indices)
        optimizer.zero_grad()
        loss = bce_plus_dice(model(x), y)
        loss.item()
        loss.backward()
        optimizer.step()
        step_times.append(time.perf_counter() - start)
    steady = step_times[2:]
    return {"step_seconds": statistics.mean(steady), "step_seconds_median": statistics.median(steady),
            "parameters": sum(p.numel() for p in model.parameters())}


def load_weights(model, folder):
    """Loads the float32 tensors that bench/Suite wrote (manifest.json + weights.bin) by name."""
    with open(f"{folder}/manifest.json") as f:
        manifest = json.load(f)
    raw = open(f"{folder}/weights.bin", "rb").read()
    state = model.state_dict()
    offset = 0
    for entry in manifest["tensors"]:
        count = 1
        for d in entry["shape"]:
            count *= d
        values = torch.frombuffer(bytearray(raw[offset:offset + 4 * count]), dtype=torch.float32)
        offset += 4 * count
        state[entry["name"]].copy_(values.reshape(entry["shape"]))
    model.load_state_dict(state)
    return manifest


def case_infer(args, net, load_seconds_before_model):
    start = time.perf_counter()
    model = UNet(net["in_channels"], net["base"], net["depth"], net["batch_norm"]).eval()
    manifest = load_weights(model, args.weights)
    size = net["size"]
    probe = torch.frombuffer(bytearray(open(f"{args.weights}/input.bin", "rb").read()), dtype=torch.float32)
    probe = probe.reshape(1, net["in_channels"], size, size)
    with torch.no_grad():
        first = torch.sigmoid(model(probe))
        first_seconds = time.perf_counter() - start + load_seconds_before_model
        expected = torch.frombuffer(bytearray(open(f"{args.weights}/output.bin", "rb").read()), dtype=torch.float32)
        parity = (first.flatten() - expected).abs().max().item()
        one = torch.rand(1, net["in_channels"], size, size)
        eight = torch.rand(8, net["in_channels"], size, size)
        b1 = timed(lambda: torch.sigmoid(model(one)), args.runs)
        b8 = timed(lambda: torch.sigmoid(model(eight)), max(3, args.runs // 3))
    return {"latency_b1_ms": b1 * 1000, "throughput_b8": 8 / b8, "load_first_seconds": first_seconds,
            "parity_max_abs": parity, "tensors": len(manifest["tensors"])}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("case", choices=["peak", "train", "infer"])
    parser.add_argument("--network", default="{}")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--weights")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    net = json.loads(args.network)
    if args.case == "peak":
        result = case_peak(args)
    elif args.case == "train":
        result = case_train(args, net)
    else:
        result = case_infer(args, net, torch_import_seconds)
    result.update({"torch": torch.__version__, "threads": torch.get_num_threads(), "peak_rss_mb": peak_rss_mb(),
                   "python": sys.version.split()[0]})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
