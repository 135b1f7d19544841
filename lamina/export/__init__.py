"""Exporting models for serving: `torch.export` programs and ONNX files."""

from lamina.export.export_archive import ExportArchive
from lamina.export.export_model import export_model, example_inputs

__all__ = ["ExportArchive", "export_model", "example_inputs"]
