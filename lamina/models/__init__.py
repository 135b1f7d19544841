"""`lamina.models`: Model, Functional, Sequential."""

from lamina.models.model import Model
from lamina.models.functional import Functional
from lamina.models.sequential import Sequential

from lamina.saving.saving_api import clone_model, load_model, model_from_json, save_model

__all__ = ["Model", "Functional", "Sequential", "clone_model", "load_model", "model_from_json", "save_model"]
