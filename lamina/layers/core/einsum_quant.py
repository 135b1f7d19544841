"""Where an `EinsumDense` equation puts its quantization scales (Keras's layout of `kernel_scale`).

For an int8 EinsumDense Keras reduces the kernel over the axes that do not reach the output, then
lays the scale out like the output (transposed, with size-1 axes expanded or squeezed) so that
`einsum(x_q, kernel_q) / (inputs_scale * kernel_scale)` broadcasts. `einsum_quantization_axes`
derives those axes from the equation; `to_output_layout` / `from_output_layout` apply them.
"""

import string

__all__ = ["einsum_quantization_axes", "from_output_layout", "to_output_layout"]


def _specs(equation, ndim):
    """Input, kernel and output labels, with elided axes (`...`) given spare letters."""
    lhs, output = equation.split("->")
    inputs, kernel = lhs.split(",")
    if "..." not in inputs:
        return inputs, kernel, output
    spare = sorted(set(string.ascii_letters) - set(inputs + kernel + output))
    named = inputs.replace("...", "")
    extra = "".join(spare[:ndim - len(named)])
    if inputs.startswith("..."):
        extra = extra[::-1]  # Keras prepends the spare letters one at a time
        return extra + named, kernel, extra + output.replace("...", "")
    return named + extra, kernel, output.replace("...", "") + extra


def einsum_quantization_axes(equation, ndim):
    """The quantization layout of `equation` for an input of rank `ndim`.

    Returns:
        dict with `input_reduced`, `kernel_reduced` (axes reduced by the quantizers), the
        `*_transpose`, `*_expand`, `*_squeeze` axes that move a scale to the output layout, and
        `grad_equation` (`output,kernel->input`, the inputs' gradient).
    """
    inputs, kernel, output = _specs(equation, ndim)
    layout = {}
    for name, spec in (("input", inputs), ("kernel", kernel)):
        layout[name] = ([i for i, c in enumerate(spec) if c not in output],
                        [spec.index(c) for c in output if c in spec],
                        [i for i, c in enumerate(output) if c not in spec])
    # Each reduced axis takes the place of an output axis the tensor lacks (size 1 there); when none
    # is left, the axis is squeezed and inserted where the previous placement was. Keras's placement
    # carries over from one loop to the next (starting at the kernel's last label in the output), so
    # the same running position is kept here for identical scale layouts.
    position = output.find(kernel[-1])
    result = {}
    for name in ("input", "kernel"):
        reduced, transpose, expand = layout[name]
        expand_left, squeeze = list(expand), []
        for axis in reduced:
            if expand_left:
                position = expand_left.pop(0)
            else:
                squeeze.append(axis)
            transpose.insert(position, axis)
        result.update({f"{name}_reduced": reduced, f"{name}_transpose": transpose,
                       f"{name}_expand": expand_left, f"{name}_squeeze": squeeze})
    result["grad_equation"] = f"{output},{kernel}->{inputs}"
    return result


def to_output_layout(scale, transpose, expand, squeeze):
    """A scale with the reduced axes kept (size 1) -> broadcastable against the einsum's output."""
    if transpose:
        scale = scale.permute(*transpose)
    for axis in sorted(expand):
        scale = scale.unsqueeze(axis)
    for axis in sorted(squeeze, reverse=True):
        scale = scale.squeeze(axis)
    return scale


def from_output_layout(scale, transpose, expand, squeeze):
    """Inverse of `to_output_layout`: back to the kernel's axes (reduced axes of size 1)."""
    for axis in sorted(squeeze):
        scale = scale.unsqueeze(axis)
    for axis in sorted(expand, reverse=True):
        scale = scale.squeeze(axis)
    if transpose:
        inverse = sorted(range(len(transpose)), key=transpose.__getitem__)
        scale = scale.permute(*inverse)
    return scale


