import cv2
import numpy as np
import pytest
import torch

from seattrack.errors import SeatError
from seattrack.models.backbones import BACKBONES, EfficientNetLite0, build_backbone, to_normalized
from seattrack.models.backbones.efficientnet_lite import LITE_NORM

EXPECTED = {  # name: (stride, channels, feature at 127, feature at 255)
    "alexnet": (8, 256, 6, 22),
    "lighttrack_mobile": (16, 96, 8, 16),
    "efficientnet_lite0": (16, 112, 8, 16),
    "resnet50_dilated": (8, 1024, 16, 32),
}


@pytest.mark.parametrize("name", sorted(BACKBONES))
def test_backbone_shapes_at_real_input_sizes(name):
    net = build_backbone(name, pretrained=False).eval()
    stride, channels, z, x = EXPECTED[name]
    assert (net.stride, net.channels) == (stride, channels)
    with torch.no_grad():
        assert net(torch.rand(1, 3, 127, 127) * 255).shape == (1, channels, z, z)
        assert net(torch.rand(1, 3, 255, 255) * 255).shape == (1, channels, x, x)
    assert net.feature_size(127) == z and net.feature_size(255) == x


def _linearised(net: torch.nn.Module) -> torch.nn.Module:
    """Positive weights, identity activations and average pooling: the gradient support is the whole field."""
    for module in list(net.modules()):
        for child_name, child in list(module.named_children()):
            if isinstance(child, (torch.nn.ReLU, torch.nn.ReLU6, torch.nn.SiLU)):
                setattr(module, child_name, torch.nn.Identity())
            elif isinstance(child, torch.nn.MaxPool2d):
                setattr(module, child_name, torch.nn.AvgPool2d(child.kernel_size, child.stride, child.padding))
        if isinstance(module, torch.nn.Conv2d):
            torch.nn.init.uniform_(module.weight, 0.01, 0.1)
    return net.eval()


@pytest.mark.parametrize("name", sorted(BACKBONES))
def test_declared_offset_is_the_receptive_field_centre(name):
    """Feature cell i must be centred on input pixel offset + stride * i (the tracker's grid relies on it)."""
    net = _linearised(build_backbone(name, pretrained=False))
    size = 255
    x = torch.rand(1, 3, size, size, requires_grad=True)
    out = net(x)
    i = out.shape[-1] // 2
    out[0, :, i, i].sum().backward()
    support = x.grad[0].abs().sum(0) > 0
    rows = np.flatnonzero(support.any(1).numpy())
    cols = np.flatnonzero(support.any(0).numpy())
    expected = net.offset + net.stride * i
    # a field clipped by the border is checked on its unclipped extent only
    for lo, hi in ((rows[0], rows[-1]), (cols[0], cols[-1])):
        if lo > 0 and hi < size - 1:
            assert (lo + hi) / 2 == pytest.approx(expected, abs=0.5)
        else:
            assert lo <= expected <= hi


def test_unknown_backbone_is_a_clear_error():
    with pytest.raises(SeatError, match="unknown backbone 'vgg'"):
        build_backbone("vgg")


def test_efficientnet_lite0_imagenet_weights_classify_a_real_cat(chelsea_path):
    """Strictly loaded ImageNet weights must put a cat class (281-285) in the top 5 for `chelsea`."""
    model = EfficientNetLite0.pretrained().eval()
    bgr = cv2.resize(cv2.imread(str(chelsea_path)), (224, 224), interpolation=cv2.INTER_AREA)
    x = torch.from_numpy(bgr.transpose(2, 0, 1)[None].astype(np.float32))
    with torch.no_grad():
        top5 = model(to_normalized(x, LITE_NORM)).topk(5).indices[0].tolist()
    assert set(top5) & {281, 282, 283, 284, 285}, top5
    assert top5[0] in {281, 282, 283, 284, 285}


def test_efficientnet_weights_load_strictly():
    model = EfficientNetLite0()
    state = torch.load(__import__("seattrack.models.backbones.efficientnet_lite", fromlist=["x"])
                       .pretrained_weights_path(), map_location="cpu", weights_only=True)
    state["_fc.extra"] = torch.zeros(1)
    with pytest.raises(RuntimeError, match="Unexpected key"):
        model.load_state_dict(state, strict=True)


def test_resnet50_weights_from_a_user_file_load_completely_or_fail_clearly(tmp_path):
    from torchvision.models import resnet18, resnet50

    from seattrack import create_model

    torch.manual_seed(0)
    good = tmp_path / "resnet50.pth"
    reference = resnet50()
    torch.save(reference.state_dict(), good)
    net = create_model("seat_r50", backbone_weights=str(good))
    torch.testing.assert_close(net.backbone.layer3[0].conv1.weight, reference.layer3[0].conv1.weight)
    torch.testing.assert_close(net.backbone.stem[0].weight, reference.conv1.weight)
    assert not torch.equal(create_model("seat_r50", pretrained_backbone=False).backbone.stem[0].weight,
                           reference.conv1.weight)
    wrong = tmp_path / "resnet18.pth"
    torch.save(resnet18().state_dict(), wrong)
    with pytest.raises(SeatError, match="resnet18.pth: cannot load"):
        create_model("seat_r50", backbone_weights=str(wrong))
    partial = tmp_path / "partial.pth"
    torch.save({k: v for k, v in reference.state_dict().items() if not k.startswith("layer3.")}, partial)
    with pytest.raises(SeatError, match="partial.pth: not a torchvision ResNet-50 state dict"):
        create_model("seat_r50", backbone_weights=str(partial))
    with pytest.raises(SeatError, match="takes no weight file"):
        create_model("seat_lt", backbone_weights=str(good))
