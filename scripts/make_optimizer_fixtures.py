#!/usr/bin/env python3
"""Makes Tests/Fixtures/torch/optim.safetensors: torch.optim.Adam / SGD trajectories on fixed
gradients, and the learning rates of the reference's four lr policies (networks.get_scheduler)."""
import math
import os
import torch
from safetensors.torch import save_file

torch.manual_seed(7)
out = {}
p0 = torch.randn(11)
grads = torch.randn(4, 11)
out["p0"] = p0
out["grads"] = grads

def run(make):
    p = torch.nn.Parameter(p0.clone())
    opt = make([p])
    for g in grads:
        p.grad = g.clone()
        opt.step()
    return p.detach().clone()

out["adam"] = run(lambda ps: torch.optim.Adam(ps, lr=2e-2, betas=(0.5, 0.999)))
out["adam_wd"] = run(lambda ps: torch.optim.Adam(ps, lr=1e-2, betas=(0.9, 0.99), weight_decay=0.1))
out["sgd"] = run(lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01))

# Learning-rate policies as in the reference networks.get_scheduler, 12 epochs.
n_epochs, n_epochs_decay, epoch_count, decay_iters = 5, 5, 1, 3
metrics = [1.0, 0.9, 0.95, 0.94, 0.93, 0.92, 0.93, 0.91, 0.905, 0.9, 0.9, 0.9]

def lrs(policy):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.Adam([p], lr=2e-4)
    if policy == "linear":
        rule = lambda e: 1.0 - max(0, e + epoch_count - n_epochs) / float(n_epochs_decay + 1)
        sch = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda=rule)
    elif policy == "step":
        sch = torch.optim.lr_scheduler.StepLR(opt, step_size=decay_iters, gamma=0.1)
    elif policy == "plateau":
        sch = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.2, threshold=0.01, patience=5)
    else:
        sch = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=n_epochs, eta_min=0)
    values = []
    for e in range(12):
        values.append(opt.param_groups[0]["lr"])
        opt.step()
        if policy == "plateau":
            sch.step(metrics[e])
        else:
            sch.step()
    return torch.tensor(values, dtype=torch.float64)

for policy in ["linear", "step", "plateau", "cosine"]:
    out["lr." + policy] = lrs(policy)
out["plateau_metrics"] = torch.tensor(metrics)

path = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "torch", "optim.safetensors")
save_file({k: v.float().contiguous() for k, v in out.items()}, path,
          metadata={"made_by": "scripts/make_optimizer_fixtures.py", "torch": torch.__version__,
                    "schedule": f"n_epochs={n_epochs} n_epochs_decay={n_epochs_decay} epoch_count={epoch_count} lr_decay_iters={decay_iters}"})
print("wrote", os.path.normpath(path))
