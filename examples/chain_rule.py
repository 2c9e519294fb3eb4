"""The chain rule through minikeras's autodiff: f(x, y, z) = (x + y) z at x=-2, y=5, z=-4.

With q = x + y = 3: df/dz = q = 3, df/dq = z = -4, and dq/dx = dq/dy = 1, so
df/dx = df/dy = z = -4. backward() walks the recorded operations from f back to the
inputs, multiplying the local derivatives on the way.
"""
import numpy as np

from minikeras.autodiff import Tensor

x = Tensor(np.array(-2.0), requires_grad=True)
y = Tensor(np.array(5.0), requires_grad=True)
z = Tensor(np.array(-4.0), requires_grad=True)

q = x + y        # recorded: an Add of (x, y)
f = q * z        # recorded: a Multiply of (q, z)
f.backward()     # df/df = 1, then Multiply.backward, then Add.backward

print(f"f = {f.item()}")
print(f"df/dx = {x.grad}, df/dy = {y.grad}, df/dz = {z.grad}")
assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)

# The same derivatives by finite differences: (f(v + h) - f(v - h)) / 2h
h = 1e-6
f_of = lambda a, b, c: (a + b) * c  # noqa: E731
numeric = [(f_of(-2 + h, 5, -4) - f_of(-2 - h, 5, -4)) / (2 * h),
           (f_of(-2, 5 + h, -4) - f_of(-2, 5 - h, -4)) / (2 * h),
           (f_of(-2, 5, -4 + h) - f_of(-2, 5, -4 - h)) / (2 * h)]
print("finite differences:", np.round(numeric, 6))
