#!/usr/bin/env python3
"""Builds Tests/Fixtures/torch/lr_schedules.json: the learning rate of every epoch (or iteration) as
the reference runs torch's schedulers.

Usage:  /work/venv-torch/bin/python scripts/make_lr_fixtures.py

Per-epoch cases rebuild pytorch-CycleGAN-and-pix2pix `networks.get_scheduler` (linear = LambdaLR with
the reference's lambda_rule, step = StepLR(step_size=lr_decay_iters, gamma=0.1), plateau =
ReduceLROnPlateau(mode='min', factor=0.2, threshold=0.01, patience=5), cosine =
CosineAnnealingLR(T_max=n_epochs, eta_min=0)) and drive them as its `train.py` does:

    model.setup(opt)                          # schedulers created (last_epoch 0)
    for epoch in range(opt.epoch_count, opt.n_epochs + opt.n_epochs_decay + 1):
        model.update_learning_rate()          # at the START of every epoch; plateau steps with
        ...train the epoch...                 # BaseModel.metric, which is always 0

so the rate recorded for epoch e is the optimizer's rate after that call. Cases with epoch_count > 1
are the reference's `--continue_train --epoch_count N` (fresh schedulers, the linear rule shifted).
Plateau cases with a `metrics` list step with those values instead (our `--lr-monitor`).

Per-iteration cases follow BasicSR (`train.py` calls `model.update_learning_rate(current_iter)`,
which steps every scheduler when current_iter > 1, before `optimize_parameters`): MultiStepLR is
torch's; CosineAnnealingRestartLR is BasicSR's formula, rebuilt below.
"""
import json
import math
import os
import warnings

import torch
from torch.optim import lr_scheduler

warnings.filterwarnings("ignore")
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "torch", "lr_schedules.json")


def get_scheduler(optimizer, opt):
    """networks.get_scheduler of the reference (current master)."""
    if opt["lr_policy"] == "linear":
        def lambda_rule(epoch):
            return 1.0 - max(0, epoch + opt["epoch_count"] - opt["n_epochs"]) / float(opt["n_epochs_decay"] + 1)
        return lr_scheduler.LambdaLR(optimizer, lr_lambda=lambda_rule)
    if opt["lr_policy"] == "step":
        return lr_scheduler.StepLR(optimizer, step_size=opt["lr_decay_iters"], gamma=0.1)
    if opt["lr_policy"] == "plateau":
        return lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.2, threshold=0.01, patience=5)
    if opt["lr_policy"] == "cosine":
        return lr_scheduler.CosineAnnealingLR(optimizer, T_max=opt["n_epochs"], eta_min=0)
    raise ValueError(opt["lr_policy"])


def optimizer_with(lr):
    return torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], lr=lr, betas=(0.5, 0.999))


def per_epoch(name, **opt):
    opt = {"lr": 2e-4, "n_epochs": 100, "n_epochs_decay": 100, "epoch_count": 1, "lr_decay_iters": 50, **opt}
    optimizer = optimizer_with(opt["lr"])
    scheduler = get_scheduler(optimizer, opt)
    metrics = opt.get("metrics")
    rates = []
    for index, epoch in enumerate(range(opt["epoch_count"], opt["n_epochs"] + opt["n_epochs_decay"] + 1)):
        if opt["lr_policy"] == "plateau":
            scheduler.step(metrics[index] if metrics else 0)  # BaseModel.metric = 0
        else:
            scheduler.step()
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
    return {"name": name, "unit": "epoch", "options": opt, "rates": rates}


class CosineAnnealingRestartLR(lr_scheduler._LRScheduler):
    """BasicSR basicsr/models/lr_scheduler.py, same formula."""

    def __init__(self, optimizer, periods, restart_weights=(1,), eta_min=0, last_epoch=-1):
        self.periods = periods
        self.restart_weights = restart_weights
        self.eta_min = eta_min
        self.cumulative_period = [sum(self.periods[0:i + 1]) for i in range(0, len(self.periods))]
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        idx = next(i for i, period in enumerate(self.cumulative_period) if self.last_epoch <= period)
        current_weight = self.restart_weights[idx]
        nearest_restart = 0 if idx == 0 else self.cumulative_period[idx - 1]
        current_period = self.periods[idx]
        return [self.eta_min + current_weight * 0.5 * (base_lr - self.eta_min) *
                (1 + math.cos(math.pi * ((self.last_epoch - nearest_restart) / current_period)))
                for base_lr in self.base_lrs]


def per_iteration(name, make, iterations, lr, **description):
    optimizer = optimizer_with(lr)
    scheduler = make(optimizer)
    rates = []
    for current_iter in range(1, iterations + 1):
        if current_iter > 1:
            scheduler.step()
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
    return {"name": name, "unit": "iteration", "options": {"lr": lr, **description}, "rates": rates}


def main():
    cases = [
        per_epoch("linear", lr_policy="linear", n_epochs=100, n_epochs_decay=100),
        per_epoch("linear resumed at epoch 150", lr_policy="linear", n_epochs=100, n_epochs_decay=100, epoch_count=150),
        per_epoch("linear short", lr_policy="linear", n_epochs=2, n_epochs_decay=3),
        per_epoch("step", lr_policy="step", n_epochs=5, n_epochs_decay=6, lr_decay_iters=3),
        per_epoch("step resumed at epoch 4", lr_policy="step", n_epochs=5, n_epochs_decay=6, lr_decay_iters=3,
                  epoch_count=4),
        per_epoch("cosine", lr_policy="cosine", n_epochs=6, n_epochs_decay=9),
        per_epoch("cosine resumed at epoch 3", lr_policy="cosine", n_epochs=6, n_epochs_decay=9, epoch_count=3),
        per_epoch("plateau (reference metric 0)", lr_policy="plateau", n_epochs=30, n_epochs_decay=30),
        per_epoch("plateau resumed at epoch 10", lr_policy="plateau", n_epochs=15, n_epochs_decay=15, epoch_count=10),
        per_epoch("plateau with metrics", lr_policy="plateau", n_epochs=10, n_epochs_decay=10,
                  metrics=[1.0, 0.9, 0.895, 0.894, 0.893, 0.892, 0.891, 0.89, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7,
                           0.69, 0.699, 0.698, 0.5, 0.5]),
        per_iteration("multistep", lambda o: lr_scheduler.MultiStepLR(o, milestones=[4, 9], gamma=0.5), 14, 1e-4,
                      milestones=[4, 9], gamma=0.5),
        per_iteration("cosine restart",
                      lambda o: CosineAnnealingRestartLR(o, periods=[5, 8], restart_weights=[1, 0.5], eta_min=1e-7),
                      13, 2e-4, periods=[5, 8], restart_weights=[1, 0.5], eta_min=1e-7),
    ]
    with open(OUT, "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f, indent=1)
        f.write("\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
