import torch

from seattrack.train.losses import iou_loss, weighted_bce


def test_weighted_bce_balances_positives_and_negatives():
    label = torch.zeros(1, 4, 4)
    label[0, 1, 1] = 1
    logits = torch.zeros(1, 4, 4)
    assert torch.isclose(weighted_bce(logits, label), torch.log(torch.tensor(2.0)))
    logits[0, 1, 1] = 10.0
    logits[label == 0] = -10.0
    assert weighted_bce(logits, label) < 1e-3


def test_iou_loss_is_zero_for_a_perfect_prediction_and_reports_iou():
    target = torch.full((1, 4, 2, 2), 10.0)
    weight = torch.ones(1, 2, 2)
    loss, iou = iou_loss(target.clone(), target, weight)
    assert loss.abs() < 1e-6 and torch.isclose(iou, torch.tensor(1.0))
    half = target.clone()
    half[:, 2] = 0.0  # right distance 0: width halves, IoU 0.5
    loss, iou = iou_loss(half, target, weight)
    assert torch.isclose(iou, torch.tensor(0.5)) and loss > 0.6
    zero, _ = iou_loss(half, target, torch.zeros(1, 2, 2))
    assert zero == 0
