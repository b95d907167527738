"""reference/views.py's reading of the view documentation against numpy's no-copy reshape:
the oracle of suite/conformance/test_views.py checked on its own, no torch involved."""

from hypothesis import given

from reference.views import constrains_only_idle_strides, numpy_can_view, view_possible
from suite.conformance.test_views import no_view_cases, strided_and_shapes


@given(case=strided_and_shapes() | no_view_cases())
def test_documented_view_condition_agrees_with_numpy(case):
    """The view documentation's condition (reference/views.py) holds only where numpy
    reshapes without a copy, and wherever numpy does, except where it constrains only the
    stride of a size-1 dim or the array is empty (a finding: there the words are stricter
    than memory requires)."""
    case, new_shape = case
    array = case.array
    documented = view_possible(array.shape, case.strides, new_shape)
    numpy_views = numpy_can_view(array, new_shape)
    if documented:
        assert numpy_views, f"the condition allows {array.shape} -> {new_shape}; numpy copies"
    elif not constrains_only_idle_strides(array.shape, new_shape):
        assert not numpy_views, f"the condition forbids {array.shape} -> {new_shape}; numpy views"
