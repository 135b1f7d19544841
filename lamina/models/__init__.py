"""`lamina.models`: Model, Functional, Sequential."""

from lamina.models.model import Model
from lamina.models.functional import Functional
from lamina.models.sequential import Sequential

__all__ = ["Model", "Functional", "Sequential"]
