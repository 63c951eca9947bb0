"""SEAT networks: backbones, Wave-MLP ops, fusion, head, SeatNet and the model registry."""

from .arch import Arch, ArchBlock, as_arch
from .checkpoint import load_model, save_model
from .registry import create_model, list_models, model_config, register_model
from .seat import MapGeometry, ModelConfig, SeatNet

__all__ = [
    "Arch", "ArchBlock", "as_arch", "load_model", "save_model", "create_model", "list_models", "model_config",
    "register_model", "MapGeometry", "ModelConfig", "SeatNet",
]
