#!/usr/bin/env python3
"""Makes Tests/Fixtures/torch/norm.safetensors: batch norm and instance norm forward and backward
computed by PyTorch on tiny fixed inputs. Run with a Python that has torch and safetensors:

    python scripts/make_norm_fixtures.py

CI does not run this; the output file is committed.
"""
import os
import torch
from safetensors.torch import save_file

torch.manual_seed(1234)
out = {}

# Batch norm, training mode (batch statistics, running statistics updated).
x = torch.randn(3, 4, 5, 6, dtype=torch.float64)
dy = torch.randn(3, 4, 5, 6, dtype=torch.float64)
bn = torch.nn.BatchNorm2d(4, momentum=0.1, eps=1e-5).double()
with torch.no_grad():
    bn.weight.copy_(torch.randn(4) * 0.5 + 1)
    bn.bias.copy_(torch.randn(4) * 0.5)
    bn.running_mean.copy_(torch.randn(4) * 0.1)
    bn.running_var.copy_(torch.rand(4) + 0.5)
out["bn.x"] = x
out["bn.dy"] = dy
out["bn.weight"] = bn.weight.detach().clone()
out["bn.bias"] = bn.bias.detach().clone()
out["bn.running_mean.before"] = bn.running_mean.clone()
out["bn.running_var.before"] = bn.running_var.clone()
xi = x.clone().requires_grad_(True)
bn.train()
y = bn(xi)
y.backward(dy)
out["bn.train.y"] = y.detach()
out["bn.train.dx"] = xi.grad
out["bn.train.dweight"] = bn.weight.grad.clone()
out["bn.train.dbias"] = bn.bias.grad.clone()
out["bn.running_mean.after"] = bn.running_mean.clone()
out["bn.running_var.after"] = bn.running_var.clone()

# Batch norm, eval mode (running statistics).
bn.weight.grad = None
bn.bias.grad = None
bn.eval()
xi = x.clone().requires_grad_(True)
y = bn(xi)
y.backward(dy)
out["bn.eval.y"] = y.detach()
out["bn.eval.dx"] = xi.grad
out["bn.eval.dweight"] = bn.weight.grad.clone()

# Instance norm with and without affine parameters (eps 1e-5, no running statistics).
x = torch.randn(2, 3, 7, 5, dtype=torch.float64)
dy = torch.randn(2, 3, 7, 5, dtype=torch.float64)
inorm = torch.nn.InstanceNorm2d(3, affine=True).double()
with torch.no_grad():
    inorm.weight.copy_(torch.randn(3) * 0.5 + 1)
    inorm.bias.copy_(torch.randn(3) * 0.5)
out["in.x"] = x
out["in.dy"] = dy
out["in.weight"] = inorm.weight.detach().clone()
out["in.bias"] = inorm.bias.detach().clone()
xi = x.clone().requires_grad_(True)
y = inorm(xi)
y.backward(dy)
out["in.affine.y"] = y.detach()
out["in.affine.dx"] = xi.grad
out["in.affine.dweight"] = inorm.weight.grad.clone()
out["in.affine.dbias"] = inorm.bias.grad.clone()
xi = x.clone().requires_grad_(True)
y = torch.nn.functional.instance_norm(xi, eps=1e-5)
y.backward(dy)
out["in.plain.y"] = y.detach()
out["in.plain.dx"] = xi.grad

path = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "torch", "norm.safetensors")
save_file({k: v.float().contiguous() for k, v in out.items()}, path,
          metadata={"made_by": "scripts/make_norm_fixtures.py", "torch": torch.__version__})
print("wrote", os.path.normpath(path))
