import pytest
import torch

from seattrack.errors import SeatError
from seattrack.models.complexity import count_macs, count_params
from seattrack.models.wavemlp import ALL_OPS, WAVEMLP_OPS, WaveMLP, analytic_wavemlp_cost, build_op, parse_op


def test_candidate_table_has_twelve_wavemlp_ops_and_skip():
    assert len(WAVEMLP_OPS) == 12
    assert ALL_OPS[-1] == "skip_connect"
    assert parse_op("wavemlp_k5_t4_dw") == {"k": 5, "t": 4, "dw": True}
    assert parse_op("wavemlp_k7_t8") == {"k": 7, "t": 8, "dw": False}


@pytest.mark.parametrize("name", ALL_OPS)
def test_every_op_keeps_spatial_size_and_changes_width(name):
    op = build_op(name, 24, 32).eval()
    x = torch.randn(2, 24, 16, 16)
    with torch.no_grad():
        assert op(x).shape == (2, 32, 16, 16)
        same = build_op(name, 32, 32).eval()
        assert same(torch.randn(1, 32, 31, 31)).shape == (1, 32, 31, 31)


def test_unknown_op_is_a_clear_error():
    with pytest.raises(SeatError, match="unknown op 'wavemlp_k4_t4'"):
        build_op("wavemlp_k4_t4", 8, 8)


@pytest.mark.parametrize("c_in,c_out,k,t,dw", [(128, 128, 5, 4, True), (96, 128, 3, 8, False), (64, 64, 7, 4, False)])
def test_fvcore_count_matches_the_analytic_wavemlp_cost(c_in, c_out, k, t, dw):
    block = WaveMLP(c_in, c_out, k, t, dw).eval()
    params, macs = analytic_wavemlp_cost(c_in, c_out, k, t, dw, hw=16 * 16)
    assert count_params(block) == params
    assert count_macs(block, (torch.randn(1, c_in, 16, 16),))[0] == macs


def test_cost_is_quadratic_in_width():
    small = analytic_wavemlp_cost(128, 128, 3, 4, False, 31 * 31)
    large = analytic_wavemlp_cost(256, 256, 3, 4, False, 31 * 31)
    assert 3.8 < large[0] / small[0] < 4.1
    # spec §2.2 table: k3_t4 at C=256 ~1.06 M params, ~0.95 G MACs at 31x31
    assert abs(large[0] / 1e6 - 1.06) < 0.03 and abs(large[1] / 1e9 - 0.95) < 0.03


def test_patm_wave_is_amplitude_cos_then_amplitude_sin_as_in_spec():
    """Spec §2.2 / official Wave-MLP: concat(A cos θ, A sin θ) along channels (2C), then the grouped 2C -> C conv."""
    from seattrack.models.wavemlp import PATM

    torch.manual_seed(0)
    amplitude, theta = torch.randn(2, 6, 5, 5), torch.rand(2, 6, 5, 5) * 3
    wave = PATM._wave(amplitude, theta)
    assert wave.shape == (2, 12, 5, 5)
    torch.testing.assert_close(wave[:, :6], amplitude * torch.cos(theta))
    torch.testing.assert_close(wave[:, 6:], amplitude * torch.sin(theta))
