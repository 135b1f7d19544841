"""Keras's `keras.ops.linalg` on PyTorch (`torch.linalg`), with NumPy's conventions.

Integer inputs become `floatx()`; batched inputs `(..., M, N)` work everywhere torch allows.
"""

import torch

from lamina.backend.dtypes import floatx, standardize_dtype
from lamina.ops._args import check_choice, to_float_tensor
from lamina.ops._dtypes import convert_to_tensor
from lamina.ops._op import keras_op

__all__ = [
    "cholesky",
    "cholesky_inverse",
    "det",
    "eig",
    "eigh",
    "inv",
    "jvp",
    "lstsq",
    "lu_factor",
    "matrix_rank",
    "norm",
    "pinv",
    "qr",
    "solve",
    "solve_triangular",
    "svd",
]


def _matrices(x, op, name="x", square=False):
    x = to_float_tensor(x)
    if x.ndim < 2:
        raise ValueError(
            f"{op}: `{name}` must have rank >= 2 (a matrix or a batch of matrices), received "
            f"shape {tuple(x.shape)}."
        )
    if square and x.shape[-1] != x.shape[-2]:
        raise ValueError(
            f"{op}: `{name}` must be square matrices of shape (..., M, M), received shape "
            f"{tuple(x.shape)}."
        )
    return x


def _a_and_b(op, a, b):
    a = _matrices(a, op, "a", square=op != "lstsq")
    b = to_float_tensor(b).to(device=a.device)
    if b.ndim < 1:
        raise ValueError(f"{op}: `b` must have rank >= 1, received a scalar.")
    dtype = torch.promote_types(a.dtype, b.dtype)
    a, b = a.to(dtype), b.to(dtype)
    rows = a.shape[-2]
    vector = b.ndim == a.ndim - 1
    if (vector and b.shape[-1] != rows) or (not vector and b.shape[-2] != rows):
        raise ValueError(
            f"{op}: `a` of shape {tuple(a.shape)} and `b` of shape {tuple(b.shape)} are "
            f"incompatible: `b` must have {rows} rows (b.shape[-2], or b.shape[-1] for a vector "
            "right-hand side)."
        )
    return a, b, vector


@keras_op("Cholesky", config=("upper",), module="linalg")
def cholesky(x, upper=False):
    """Cholesky factor of symmetric positive-definite matrices (`np.linalg.cholesky`;
    torch `torch.linalg.cholesky`).

    Args:
        x: Tensor of shape `(..., M, M)`.
        upper: Return the upper factor `U` (`x = U^H U`) instead of the lower one.

    Example:
        >>> cholesky(torch.tensor([[4., 2.], [2., 2.]]))
        tensor([[2., 0.],
                [1., 1.]])
    """
    x = _matrices(x, "cholesky", square=True)
    factor, info = torch.linalg.cholesky_ex(x, upper=upper)
    if not torch.compiler.is_compiling() and bool((info != 0).any()):
        raise ValueError(
            "cholesky: the input is not positive-definite (the factorization failed); "
            "a Cholesky factor exists only for symmetric positive-definite matrices."
        )
    return factor


@keras_op("CholeskyInverse", config=("upper",), module="linalg")
def cholesky_inverse(x, upper=False):
    """Inverse of `A` given its Cholesky factor (torch `torch.cholesky_inverse`).

    Args:
        x: The factor, shape `(..., M, M)`, lower (`A = L L^H`) or upper (`upper=True`).
        upper: Whether `x` is the upper factor.

    Example:
        >>> cholesky_inverse(torch.tensor([[2., 0.], [1., 1.]]))
        tensor([[ 0.5000, -0.5000],
                [-0.5000,  1.0000]])
    """
    return torch.cholesky_inverse(_matrices(x, "cholesky_inverse", square=True), upper=upper)


@keras_op("Det", module="linalg")
def det(x):
    """Determinant of square matrices (`np.linalg.det`; torch `torch.linalg.det`).

    Args:
        x: Tensor of shape `(..., M, M)`; integers become `floatx()`.

    Example:
        >>> det(torch.eye(3) * 2)
        tensor(8.)
    """
    return torch.linalg.det(_matrices(x, "det", square=True))


@keras_op("Eig", module="linalg")
def eig(x):
    """Eigenvalues and eigenvectors of general square matrices, complex (`np.linalg.eig`;
    torch `torch.linalg.eig`).

    Args:
        x: Tensor of shape `(..., M, M)`.

    Returns:
        `(eigenvalues, eigenvectors)` of shapes `(..., M)` and `(..., M, M)`.

    Example:
        >>> eig(torch.eye(2))[0]
        tensor([1.+0.j, 1.+0.j])
    """
    return tuple(torch.linalg.eig(_matrices(x, "eig", square=True)))


@keras_op("Eigh", module="linalg")
def eigh(x):
    """Eigenvalues (ascending) and eigenvectors of symmetric/Hermitian matrices
    (`np.linalg.eigh`; torch `torch.linalg.eigh`).

    Args:
        x: Symmetric (Hermitian) tensor of shape `(..., M, M)`; only the lower triangle is read.

    Returns:
        `(eigenvalues, eigenvectors)` of shapes `(..., M)` and `(..., M, M)`.

    Example:
        >>> eigh(torch.tensor([[2., 0.], [0., 1.]]))[0]
        tensor([1., 2.])
    """
    return tuple(torch.linalg.eigh(_matrices(x, "eigh", square=True)))


@keras_op("Inv", module="linalg")
def inv(x):
    """Inverse of square matrices (`np.linalg.inv`; torch `torch.linalg.inv`).

    Args:
        x: Invertible tensor of shape `(..., M, M)`.

    Example:
        >>> inv(torch.eye(2) * 2)
        tensor([[0.5000, 0.0000],
                [0.0000, 0.5000]])
    """
    return torch.linalg.inv(_matrices(x, "inv", square=True))


@keras_op("JVP", config=("has_aux",), module="linalg")
def jvp(fun, primals, tangents, has_aux=False):
    """Forward-mode Jacobian-vector product of `fun` (`jax.jvp`; torch `torch.func.jvp`).

    Args:
        fun: Function of `len(primals)` tensors (or nested structures).
        primals: Tuple/list of the inputs at which to differentiate.
        tangents: Tuple/list of the directions, the same structure and shapes as `primals`.
        has_aux: Whether `fun` returns `(output, aux)`, `aux` being passed through.

    Returns:
        `(primals_out, tangents_out)`, or `(primals_out, tangents_out, aux)` with `has_aux`.

    Example:
        >>> jvp(torch.sin, (torch.tensor(0.0),), (torch.tensor(2.0),))[1]
        tensor(2.)
    """
    if not callable(fun):
        raise TypeError(f"jvp: `fun` must be callable, received {type(fun).__name__}.")
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(
            "jvp: `primals` and `tangents` must be tuples or lists (one entry per argument of "
            f"`fun`), received {type(primals).__name__} and {type(tangents).__name__}."
        )
    if len(primals) != len(tangents):
        raise ValueError(
            f"jvp: `primals` and `tangents` must have the same length, received {len(primals)} "
            f"and {len(tangents)}."
        )
    primals = tuple(convert_to_tensor(p) for p in primals)
    tangents = tuple(convert_to_tensor(t, dtype=p.dtype, device=p.device)
                     for p, t in zip(primals, tangents))
    return tuple(torch.func.jvp(fun, primals, tangents, has_aux=has_aux))


@keras_op("Lstsq", config=("rcond",), module="linalg")
def lstsq(a, b, rcond=None):
    """Least-squares solution of `a @ x = b` (`np.linalg.lstsq(a, b)[0]`; torch
    `torch.linalg.lstsq`).

    Args:
        a: Tensor of shape `(M, N)`.
        b: Tensor of shape `(M,)` or `(M, K)`.
        rcond: Cut-off ratio for small singular values of `a` (NumPy's meaning).

    Returns:
        The solution, shape `(N,)` or `(N, K)`.

    Example:
        >>> lstsq(torch.tensor([[1., 0.], [0., 2.], [0., 0.]]), torch.tensor([1., 4., 3.]))
        tensor([1., 2.])
    """
    a, b, vector = _a_and_b("lstsq", a, b)
    if vector:
        b = b.unsqueeze(-1)
    if rcond is None:
        solution = torch.linalg.lstsq(a, b).solution
    else:
        # The SVD cut-off, as NumPy: CPU has the gelsd driver; elsewhere the pseudo-inverse.
        if a.device.type == "cpu":
            solution = torch.linalg.lstsq(a, b, rcond=rcond, driver="gelsd").solution
        else:
            solution = torch.linalg.pinv(a, rtol=rcond) @ b
    return solution.squeeze(-1) if vector else solution


@keras_op("LuFactor", module="linalg")
def lu_factor(x):
    """LU factorization with partial pivoting (`scipy.linalg.lu_factor`; torch
    `torch.linalg.lu_factor`), pivots 0-based as SciPy.

    Args:
        x: Tensor of shape `(..., M, N)`.

    Returns:
        `(lu, pivots)`: the packed factors `(..., M, N)` and int32 pivots `(..., min(M, N))`.

    Example:
        >>> lu_factor(torch.tensor([[1., 2.], [3., 4.]]))[1]
        tensor([1, 1], dtype=torch.int32)
    """
    lu, pivots = torch.linalg.lu_factor(_matrices(x, "lu_factor"))
    return lu, (pivots - 1).to(torch.int32)


@keras_op("MatrixRank", config=("tol",), module="linalg")
def matrix_rank(x, tol=None):
    """Rank of matrices by their singular values (`np.linalg.matrix_rank`; torch
    `torch.linalg.matrix_rank`).

    Args:
        x: Tensor of shape `(..., M, N)`.
        tol: Absolute threshold below which singular values count as zero; default
            `max(M, N) * eps * largest singular value` (NumPy's).

    Returns:
        int32 tensor of shape `(...)`.

    Example:
        >>> matrix_rank(torch.tensor([[1., 2.], [2., 4.]]))
        tensor(1, dtype=torch.int32)
    """
    x = _matrices(x, "matrix_rank")
    return torch.linalg.matrix_rank(x, atol=tol).to(torch.int32)


_MATRIX_ORDS = (None, "fro", "nuc", float("inf"), float("-inf"), 1, -1, 2, -2)


@keras_op("Norm", config=("ord", "axis", "keepdims"), module="linalg")
def norm(x, ord=None, axis=None, keepdims=False):
    """Matrix or vector norm (`np.linalg.norm`; torch `torch.linalg.norm`).

    Args:
        x: Input tensor; integers become `floatx()`.
        ord: The norm's order (NumPy's values: `None`, `"fro"`, `"nuc"`, `inf`, `-inf`, ints).
        axis: `None` (the whole tensor: 2-norm of the flattened tensor, or the matrix norm of a
            2-D one when `ord` is given), an int (vector norms) or a pair (matrix norms).
        keepdims: Whether to keep the reduced axes with size 1.

    Example:
        >>> norm(torch.tensor([3., 4.]))
        tensor(5.)
    """
    x = convert_to_tensor(x)
    if x.dtype == torch.int64 or not (x.is_floating_point() or x.is_complex()):
        x = x.to(standardize_dtype(floatx()))
    if isinstance(ord, str) and ord not in ("fro", "nuc"):
        raise ValueError(
            f"norm: a string `ord` must be 'fro' or 'nuc', received ord={ord!r}."
        )
    axes = (axis,) if isinstance(axis, int) else (tuple(axis) if axis is not None else None)
    if axes is not None and len(axes) not in (1, 2):
        raise ValueError(
            f"norm: `axis` must be None, an int or a pair of ints, received axis={axis!r}."
        )
    count = len(axes) if axes is not None else (x.ndim if ord is not None else 0)
    if count == 1 and isinstance(ord, str):
        raise ValueError(f"norm: ord={ord!r} is a matrix norm; a vector norm (one axis) needs a "
                         "number, inf, -inf or None.")
    if count == 2 and ord not in _MATRIX_ORDS:
        raise ValueError(
            f"norm: ord={ord!r} is not a matrix norm; expected one of None, 'fro', 'nuc', inf, "
            "-inf, 1, -1, 2, -2."
        )
    if ord is not None and axes is None and x.ndim not in (1, 2):
        raise ValueError(
            f"norm: with `ord`={ord!r} and axis=None the input must be 1-D or 2-D, received shape "
            f"{tuple(x.shape)}; pass `axis`."
        )
    return torch.linalg.norm(x, ord=ord, dim=axes, keepdim=keepdims)


@keras_op("Pinv", config=("rcond",), module="linalg")
def pinv(x, rcond=None):
    """Moore-Penrose pseudo-inverse (`np.linalg.pinv`; torch `torch.linalg.pinv`).

    Args:
        x: Tensor of shape `(..., M, N)`.
        rcond: Relative cut-off for small singular values (torch's `rtol`).

    Example:
        >>> pinv(torch.tensor([[2., 0.], [0., 0.]]))
        tensor([[0.5000, 0.0000],
                [0.0000, 0.0000]])
    """
    return torch.linalg.pinv(_matrices(x, "pinv"), rtol=rcond)


@keras_op("Qr", config=("mode",), module="linalg")
def qr(x, mode="reduced"):
    """QR decomposition (`np.linalg.qr`; torch `torch.linalg.qr`).

    Args:
        x: Tensor of shape `(..., M, N)`.
        mode: `"reduced"` (`q` is `(..., M, K)`, `K = min(M, N)`) or `"complete"` (`(..., M, M)`).

    Returns:
        `(q, r)`.

    Example:
        >>> q, r = qr(torch.eye(2))
    """
    check_choice(mode, ("reduced", "complete"), "mode", "qr")
    return tuple(torch.linalg.qr(_matrices(x, "qr"), mode=mode))


@keras_op("Solve", module="linalg")
def solve(a, b):
    """Solves `a @ x = b` for square `a` (`np.linalg.solve`; torch `torch.linalg.solve`).

    Args:
        a: Tensor of shape `(..., M, M)`.
        b: Tensor of shape `(..., M)` or `(..., M, K)`.

    Example:
        >>> solve(torch.eye(2) * 2, torch.tensor([2., 4.]))
        tensor([1., 2.])
    """
    a, b, vector = _a_and_b("solve", a, b)
    return torch.linalg.solve(a, b)


@keras_op("SolveTriangular", config=("lower",), module="linalg")
def solve_triangular(a, b, lower=False):
    """Solves `a @ x = b` for triangular `a` (`scipy.linalg.solve_triangular`; torch
    `torch.linalg.solve_triangular`).

    Args:
        a: Triangular tensor of shape `(..., M, M)`.
        b: Tensor of shape `(..., M)` or `(..., M, K)`.
        lower: Whether `a` is lower triangular (only that triangle is read).

    Example:
        >>> solve_triangular(torch.tensor([[1., 0.], [1., 1.]]), torch.tensor([1., 3.]), lower=True)
        tensor([1., 2.])
    """
    a, b, vector = _a_and_b("solve_triangular", a, b)
    if vector:
        return torch.linalg.solve_triangular(a, b.unsqueeze(-1), upper=not lower).squeeze(-1)
    return torch.linalg.solve_triangular(a, b, upper=not lower)


@keras_op("SVD", config=("full_matrices", "compute_uv"), module="linalg")
def svd(x, full_matrices=True, compute_uv=True):
    """Singular value decomposition (`np.linalg.svd`; torch `torch.linalg.svd`).

    Args:
        x: Tensor of shape `(..., M, N)`.
        full_matrices: Whether `u`/`v` are square (`(M, M)`, `(N, N)`) or reduced.
        compute_uv: Whether to return `(u, s, vh)`; `False` returns only the singular values.

    Example:
        >>> svd(torch.eye(2) * 3, compute_uv=False)
        tensor([3., 3.])
    """
    x = _matrices(x, "svd")
    if not compute_uv:
        return torch.linalg.svdvals(x)
    return tuple(torch.linalg.svd(x, full_matrices=full_matrices))
