"""Self-tests for the optimizer oracles (reference/optim.py) on hand-worked steps.

Every expected value is written out literally, with the arithmetic in a comment. No torch here.
"""

from numpy.testing import assert_allclose

from reference import optim


def test_sgd_by_hand():
    assert_allclose(optim.sgd(1.0, [2.0], lr=0.1), 0.8)  # 1 - 0.1 * 2
    # momentum 0.9: b1 = 1, p = 0.9; b2 = 0.9 * 1 + 1 = 1.9, p = 0.9 - 0.19 = 0.71
    assert_allclose(optim.sgd(1.0, [1.0, 1.0], lr=0.1, momentum=0.9), 0.71)
    # weight decay 0.5: g = 1 + 0.5 * 1 = 1.5, p = 1 - 0.1 * 1.5 = 0.85
    assert_allclose(optim.sgd(1.0, [1.0], lr=0.1, weight_decay=0.5), 0.85)


def test_adam_by_hand():
    # t=1, g=2: m = 0.1 * 2 = 0.2, v = 0.001 * 4 = 0.004; m_hat = 2, v_hat = 4: p = 1 - 0.1 * 2 / 2
    assert_allclose(optim.adam(1.0, [2.0], lr=0.1, eps=0.0), 0.9)
    # t=2, g=2: m = 0.9 * 0.2 + 0.2 = 0.38, m_hat = 0.38 / 0.19 = 2; v_hat = 4 again: p = 0.8
    assert_allclose(optim.adam(1.0, [2.0, 2.0], lr=0.1, eps=0.0), 0.8)
    # eps joins the root: 1 - 0.1 * 2 / (2 + 2) = 0.95
    assert_allclose(optim.adam(1.0, [2.0], lr=0.1, eps=2.0), 0.95)
