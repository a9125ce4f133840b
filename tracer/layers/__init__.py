"""The layers, each with its forward formula and, beside it, its derivative."""

from .activation import LeakyReLU, ReLU, Sigmoid
from .base import Layer, clear_caches
from .conv import Conv2D
from .dense import Dense, Flatten
from .output import Softmax
from .pool import MaxPool2D

LAYER_TYPES = {cls.type: cls for cls in (Conv2D, MaxPool2D, ReLU, LeakyReLU, Sigmoid,
                                         Flatten, Dense, Softmax)}

__all__ = ["LAYER_TYPES", "Conv2D", "Dense", "Flatten", "Layer", "LeakyReLU", "MaxPool2D",
           "ReLU", "Sigmoid", "Softmax", "clear_caches"]
